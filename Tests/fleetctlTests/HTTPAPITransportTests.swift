import FleetCore
import Foundation
import NIOCore
import NIOPosix
import Testing

@Suite struct HTTPAPITransportTests {
    /// A server that accepts and never answers: the request timeout must end the wait.
    @Test func requestTimeoutEndsAWaitForASilentServer() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("silent-\(UUID().uuidString.prefix(8)).sock").path
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let serving = Task {
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    // Read the request and say nothing until the client gives up.
                    try await connection.executeThenClose { inbound, _ in for try await _ in inbound {} }
                    return
                }
            }
        }
        let transport = try HTTPAPITransport(endpoint: "unix://" + path, requestTimeout: .milliseconds(300))
        let started = ContinuousClock.now
        do {
            _ = try await APIClient(transport: transport).machines()
            Issue.record("expected a timeout")
        } catch {
            #expect(error.kind == .transport)
            #expect(error.message.hasPrefix("no answer from the fleet API at unix://\(path) within"))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        await transport.shutdown()
        _ = try? await serving.value
        try? FileManager.default.removeItem(atPath: path)
    }
}
