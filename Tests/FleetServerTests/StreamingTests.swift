import FleetCore
import FleetServer
import Foundation
import Logging
import Testing

@Suite struct StreamingTests {
    /// Streams `stream` for `/fleet/v1/journal`; nil (the ordinary handler) for the rest.
    private func journal(_ stream: AsyncStream<[UInt8]>) -> StreamingHandler {
        { request in
            request.path == "/fleet/v1/journal" ? APIStreamingResponse(status: 200, contentType: "text/plain", body: stream) : nil
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func chunksArriveAsTheyAreProducedAndTheConnectionIsKept() async throws {
        try await withTestDirectory { directory in
            let (stream, producer) = AsyncStream<[UInt8]>.makeStream()
            try await withServer(socketConfiguration(directory), streamingHandler: journal(stream)) { _ in
                try await RawHTTPConnection.with(.unix(directory.path("fleet.sock"))) { connection in
                    try await connection.sendRequest("GET", "/fleet/v1/journal")
                    let head = try await connection.readHead()
                    #expect(head.status == 200)
                    #expect(head.headers["transfer-encoding"] == "chunked")
                    #expect(head.headers["content-type"] == "text/plain")
                    #expect(head.headers["content-length"] == nil)

                    producer.yield(Array("line one\n".utf8))
                    #expect(try await connection.readChunk() == Array("line one\n".utf8))
                    producer.yield([])
                    producer.yield(Array("line two\n".utf8))
                    #expect(try await connection.readChunk() == Array("line two\n".utf8))
                    producer.finish()
                    #expect(try await connection.readChunk() == nil)

                    // The next request on the connection goes to the ordinary handler.
                    try await connection.sendRequest("GET", "/fleet/v1/units")
                    #expect(try await connection.readResponse().status == 200)
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aClientThatLeavesEndsTheStream() async throws {
        try await withTestDirectory { directory in
            let (stream, producer) = AsyncStream<[UInt8]>.makeStream()
            let (terminated, terminatedContinuation) = AsyncStream<Bool>.makeStream()
            producer.onTermination = { reason in
                if case .cancelled = reason { terminatedContinuation.yield(true) } else { terminatedContinuation.yield(false) }
            }
            try await withServer(socketConfiguration(directory), streamingHandler: journal(stream)) { _ in
                try await RawHTTPConnection.with(.unix(directory.path("fleet.sock"))) { connection in
                    try await connection.sendRequest("GET", "/fleet/v1/journal")
                    _ = try await connection.readHead()
                    producer.yield(Array("first\n".utf8))
                    _ = try await connection.readChunk()
                }
                // Returns only once the server stopped consuming: the producer learns it was cancelled.
                var iterator = terminated.makeAsyncIterator()
                #expect(await iterator.next() == true)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func shutdownEndsAStreamWithItsLastChunk() async throws {
        try await withTestDirectory { directory in
            let (stream, producer) = AsyncStream<[UInt8]>.makeStream()
            var configuration = socketConfiguration(directory)
            configuration.shutdownGracePeriod = .seconds(600)
            let server = APIServer(configuration: configuration, handler: registryHandler(), streamingHandler: journal(stream), logger: Logger(label: "test"))
            try await server.start()
            try await RawHTTPConnection.with(.unix(directory.path("fleet.sock"))) { connection in
                try await connection.sendRequest("GET", "/fleet/v1/journal")
                _ = try await connection.readHead()
                producer.yield(Array("first\n".utf8))
                _ = try await connection.readChunk()
                let shutdown = Task { await server.shutdown() }
                // The terminating chunk, not a cut connection.
                #expect(try await connection.readChunk() == nil)
                #expect(try await connection.serverClosesConnection())
                await shutdown.value
            }
        }
    }
}
