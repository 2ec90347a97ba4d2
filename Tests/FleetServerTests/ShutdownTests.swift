import FleetCore
import FleetServer
import Foundation
import Logging
import ServiceLifecycle
import Testing

@Suite struct ShutdownTests {
    /// `/slow` waits at the gate; everything else goes to the registry.
    private func slowHandler(_ gate: Gate) -> @Sendable (APIRequest) async -> APIResponse {
        let registry = registryHandler()
        return { request in
            guard request.path == "/slow" else { return await registry(request) }
            await gate.pass()
            return .json(200, ["done": true])
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func gracefulShutdownFinishesTheRequestInFlightAndClosesIdleConnections() async throws {
        try await withTestDirectory { directory in
            let gate = Gate()
            let socket = directory.path("fleet.sock")
            var configuration = socketConfiguration(directory)
            configuration.shutdownGracePeriod = .seconds(30)
            let server = APIServer(configuration: configuration, handler: slowHandler(gate), logger: Logger(label: "test"))
            try await server.start()

            let (idleReady, idleReadyContinuation) = AsyncStream<Void>.makeStream()
            async let idleConnectionClosed = RawHTTPConnection.with(.unix(socket)) { connection in
                try await connection.sendRequest("GET", "/fleet/v1/units")
                _ = try await connection.readResponse()
                idleReadyContinuation.yield()
                return try await connection.serverClosesConnection()
            }
            async let slowResponse = RawHTTPConnection.with(.unix(socket)) { connection in
                try await connection.sendRequest("GET", "/slow")
                let response = try await connection.readResponse()
                return (response, try await connection.serverClosesConnection())
            }
            for await _ in idleReady { break }
            await gate.waitForArrival()

            let shutdown = Task { await server.shutdown() }
            try await waitUntil("the listener is closed") { await connectionIsRefused(.unix(socket)) }
            #expect(try await idleConnectionClosed)
            #expect(server.connectionCount == 1)

            gate.open()
            let (response, closedAfterwards) = try await slowResponse
            #expect(response.status == 200)
            #expect(response.bodyText == #"{"done":true}"#)
            #expect(response.headers["connection"] == "close")
            #expect(closedAfterwards)
            await shutdown.value
            #expect(server.connectionCount == 0)
            #expect(!FileManager.default.fileExists(atPath: socket))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func shutdownClosesARequestThatOutlivesTheGracePeriod() async throws {
        try await withTestDirectory { directory in
            let gate = Gate()
            defer { gate.open() }
            let socket = directory.path("fleet.sock")
            var configuration = socketConfiguration(directory)
            configuration.shutdownGracePeriod = .milliseconds(200)
            let server = APIServer(configuration: configuration, handler: slowHandler(gate), logger: Logger(label: "test"))
            try await server.start()
            async let stuck: Bool = RawHTTPConnection.with(.unix(socket)) { connection in
                try await connection.sendRequest("GET", "/slow")
                return try await connection.serverClosesConnection()
            }
            await gate.waitForArrival()
            await server.shutdown()
            #expect(try await stuck)
            #expect(server.connectionCount == 0)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func runServesUntilServiceLifecycleShutsItDown() async throws {
        try await withTestDirectory { directory in
            let socket = directory.path("fleet.sock")
            let server = APIServer(configuration: socketConfiguration(directory), handler: registryHandler(), logger: Logger(label: "test"))
            let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
            let running = Task { try await group.run() }
            try await waitUntil("the server listens") { !server.listeningDescriptions.isEmpty }
            try await RawHTTPConnection.with(.unix(socket)) { connection in
                try await connection.sendRequest("GET", "/fleet/v1/units")
                #expect(try await connection.readResponse().status == 200)
            }
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(server.listeningDescriptions.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: socket))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingRunStopsTheServerAtOnce() async throws {
        try await withTestDirectory { directory in
            let gate = Gate()
            defer { gate.open() }
            let socket = directory.path("fleet.sock")
            var configuration = socketConfiguration(directory)
            configuration.shutdownGracePeriod = .seconds(600)
            let server = APIServer(configuration: configuration, handler: slowHandler(gate), logger: Logger(label: "test"))
            let running = Task { try await server.run() }
            try await waitUntil("the server listens") { !server.listeningDescriptions.isEmpty }
            async let stuck: Bool = RawHTTPConnection.with(.unix(socket)) { connection in
                try await connection.sendRequest("GET", "/slow")
                return try await connection.serverClosesConnection()
            }
            await gate.waitForArrival()
            running.cancel()
            try await running.value
            #expect(try await stuck)
            #expect(await connectionIsRefused(.unix(socket)))
        }
    }
}
