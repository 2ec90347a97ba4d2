import FleetCore
import Foundation
import NIOCore
import NIOPosix
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct UnixSocketForwarderTests {
    /// A server that answers only after the client half-closes: proves input EOF is passed on
    /// as a half-close and the answer still comes back.
    @Test func copiesBothWaysAndPassesEndOfInputOn() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fwd-\(UUID().uuidString.prefix(8)).sock").path
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let serving = Task {
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    try await connection.executeThenClose { inbound, outbound in
                        var received: [UInt8] = []
                        for try await chunk in inbound { received += chunk.readableBytesView }
                        try await outbound.write(ByteBuffer(bytes: Array("got:".utf8) + received))
                    }
                    return
                }
            }
        }

        let input = Pipe(), output = Pipe()
        let inputFD = dup(input.fileHandleForReading.fileDescriptor)
        let outputFD = dup(output.fileHandleForWriting.fileDescriptor)
        try input.fileHandleForWriting.write(contentsOf: Data("hello fleet".utf8))
        try input.fileHandleForWriting.close()
        try output.fileHandleForWriting.close()

        try await UnixSocketForwarder.forward(socketPath: path, input: inputFD, output: outputFD)
        let answer = try output.fileHandleForReading.readToEnd() ?? Data()
        #expect(String(decoding: answer, as: UTF8.self) == "got:hello fleet")
        try await serving.value
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test func aMissingSocketIsADialError() async {
        do {
            try await UnixSocketForwarder.forward(socketPath: "/nonexistent/fleet.sock", input: -1, output: -1)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .dial)
        }
    }
}
