import FleetServer
import Foundation
import Logging
import Testing

@Suite struct ListenerTests {
    @Test func inheritedTCPAndUnixListenersAreServed() async throws {
        try await withTestDirectory { directory in
            let tcp = try TestSockets.listeningTCP()
            let activatedPath = directory.path("activated.sock")
            let unixFD = try TestSockets.unix(at: activatedPath)
            let configuration = APIServerConfiguration(inheritedListeners: [tcp.fd, unixFD])
            try await withServer(configuration) { server in
                #expect(server.listeningDescriptions == ["tcp:127.0.0.1:\(tcp.port)", "unix:\(activatedPath)"])
                for endpoint in [RawHTTPConnection.Endpoint.tcp(port: tcp.port), .unix(activatedPath)] {
                    try await RawHTTPConnection.with(endpoint) { connection in
                        try await connection.sendRequest("GET", "/fleet/v1/units")
                        #expect(try await connection.readResponse().status == 200)
                    }
                }
            }
            // The server owned and closed both; it leaves systemd's socket file alone.
            #expect(await connectionIsRefused(.tcp(port: tcp.port)))
            #expect(await connectionIsRefused(.unix(activatedPath)))
            #expect(FileManager.default.fileExists(atPath: activatedPath))
        }
    }

    @Test func aDescriptorThatIsNotAListeningSocketIsAClearError() async throws {
        try await withTestDirectory { directory in
            let filePath = directory.path("plain")
            try "x".write(toFile: filePath, atomically: true, encoding: .utf8)
            let file = try #require(FileHandle(forReadingAtPath: filePath))
            defer { try? file.close() }
            let unlistened = TestSockets.unconnectedTCP()
            defer { TestSockets.closeDescriptor(unlistened) }
            let cases: [(fd: Int32, message: String)] = [
                (file.fileDescriptor, "inherited listener fd \(file.fileDescriptor) is not a socket"),
                (unlistened, "inherited listener fd \(unlistened) is not listening"),
                (100_000, "inherited listener fd 100000: Bad file descriptor"),
            ]
            for (fd, message) in cases {
                let server = APIServer(configuration: APIServerConfiguration(inheritedListeners: [fd]), handler: registryHandler(), logger: Logger(label: "test"))
                let error = await #expect(throws: APIServerError.self) { try await server.start() }
                #expect(error?.code == .inheritedListener)
                #expect(error?.message == message)
                #expect(server.listeningDescriptions.isEmpty)
            }
        }
    }

    @Test func aFailedStartClosesTheListenersItAlreadyHad() async throws {
        let tcp = try TestSockets.listeningTCP()
        let server = APIServer(
            configuration: APIServerConfiguration(inheritedListeners: [tcp.fd, 100_000]),
            handler: registryHandler(),
            logger: Logger(label: "test")
        )
        await #expect(throws: APIServerError.self) { try await server.start() }
        #expect(await connectionIsRefused(.tcp(port: tcp.port)))
    }

    @Test func theSocketDirectoryIsCreatedAndTheSocketGetsItsMode() async throws {
        try await withTestDirectory { directory in
            let path = directory.path("run/fleet/fleet.sock")
            try await withServer(APIServerConfiguration(unixSocketPath: path)) { server in
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                #expect(attributes[.type] as? FileAttributeType == .typeSocket)
                #expect((attributes[.posixPermissions] as? NSNumber)?.uint16Value == 0o660)
                #expect(server.listeningDescriptions == ["unix:\(path)"])
            }
            try await withServer(APIServerConfiguration(unixSocketPath: path, unixSocketMode: 0o600)) { _ in
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                #expect((attributes[.posixPermissions] as? NSNumber)?.uint16Value == 0o600)
            }
        }
    }

    @Test func aStaleSocketFileIsReplacedAndRemovedOnShutdown() async throws {
        try await withTestDirectory { directory in
            let path = directory.path("fleet.sock")
            // A socket file left behind by a process that died: bound, then closed.
            TestSockets.closeDescriptor(try TestSockets.unix(at: path, listening: false))
            #expect(await connectionIsRefused(.unix(path)))
            try await withServer(APIServerConfiguration(unixSocketPath: path)) { _ in
                try await RawHTTPConnection.with(.unix(path)) { connection in
                    try await connection.sendRequest("GET", "/fleet/v1/units")
                    #expect(try await connection.readResponse().status == 200)
                }
                #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.uint16Value == 0o660)
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func aFileThatIsNotASocketIsNeverRemoved() async throws {
        try await withTestDirectory { directory in
            let path = directory.path("fleet.sock")
            try "precious".write(toFile: path, atomically: true, encoding: .utf8)
            let server = APIServer(configuration: APIServerConfiguration(unixSocketPath: path), handler: registryHandler(), logger: Logger(label: "test"))
            let error = await #expect(throws: APIServerError.self) { try await server.start() }
            #expect(error?.code == .unixSocket)
            #expect(error?.message == "cannot bind unix socket \(path): the path exists and is not a socket")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
        }
    }

    @Test func startingTwiceIsAnError() async throws {
        try await withTestDirectory { directory in
            try await withServer(socketConfiguration(directory)) { server in
                let error = await #expect(throws: APIServerError.self) { try await server.start() }
                #expect(error?.code == .invalidState)
            }
        }
    }

    @Test func aSocketAnotherProcessListensOnIsNotTakenOver() async throws {
        try await withTestDirectory { directory in
            let path = directory.path("fleet.sock")
            let live = try TestSockets.unix(at: path)
            defer { TestSockets.closeDescriptor(live) }
            let server = APIServer(configuration: APIServerConfiguration(unixSocketPath: path), handler: registryHandler(), logger: Logger(label: "test"))
            let error = await #expect(throws: APIServerError.self) { try await server.start() }
            #expect(error?.message == "cannot bind unix socket \(path): another process is listening on it")
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func theConfiguredSocketPassedBySystemdIsServedOnce() async throws {
        try await withTestDirectory { directory in
            let path = directory.path("fleet.sock")
            let activated = try TestSockets.unix(at: path)
            try await withServer(APIServerConfiguration(unixSocketPath: path, inheritedListeners: [activated])) { server in
                #expect(server.listeningDescriptions == ["unix:\(path)"])
                try await RawHTTPConnection.with(.unix(path)) { connection in
                    try await connection.sendRequest("GET", "/fleet/v1/units")
                    #expect(try await connection.readResponse().status == 200)
                }
            }
            // systemd's socket file is not ours to remove.
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func aUnixSocketPathTooLongIsAClearError() async throws {
        let path = "/tmp/" + String(repeating: "d", count: 120) + "/fleet.sock"
        let server = APIServer(configuration: APIServerConfiguration(unixSocketPath: path), handler: registryHandler(), logger: Logger(label: "test"))
        let error = await #expect(throws: APIServerError.self) { try await server.start() }
        #expect(error?.message == "cannot bind unix socket \(path): the path is longer than 107 bytes")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/" + String(repeating: "d", count: 120)))
    }
}
