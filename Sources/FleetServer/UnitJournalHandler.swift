public import FleetCore
import Foundation

/// Serves `GET /fleet/v1/units/NAME/journal?lines=N&follow=true|false&output=MODE` (beyond the
/// original API) as a chunked stream: the fleetd that runs the unit reads its journal; any
/// other fleetd streams the answer of the unit's machine (its advertised API URL, `?hop=1`).
/// Errors are JSON, with the status codes of `UnitStatusHandler`, and 400 for bad parameters.
public struct UnitJournalHandler: Sendable {
    /// Opens a stream from another fleetd's API.
    public typealias Forward = @Sendable (_ apiURL: String, _ path: String, _ query: [String: String]) async throws(APIClientError)
        -> (status: Int, body: AsyncThrowingStream<[UInt8], any Error>)

    let registry: Registry
    let machineID: String
    let reader: any UnitJournalReader
    let forward: Forward

    /// - Parameters:
    ///   - registry: the cluster state.
    ///   - machineID: this machine.
    ///   - reader: reads journals on this machine.
    ///   - forward: reaches another fleetd (HTTP by default).
    public init(registry: Registry, machineID: String, reader: any UnitJournalReader, forward: @escaping Forward = UnitJournalHandler.httpForward) {
        self.registry = registry
        self.machineID = machineID
        self.reader = reader
        self.forward = forward
    }

    /// The hook `APIServer` consults before its ordinary handler.
    public var streamingHandler: StreamingHandler {
        { request in await handle(request) }
    }

    /// Answers a journal request; nil for any other request.
    public func handle(_ request: APIRequest) async -> APIStreamingResponse? {
        guard let name = UnitJournalHandler.unitName(request.path) else { return nil }
        guard request.method == "GET" else { return Self.error(.error(405, "only GET supported against this resource")) }
        let lines = request.query["lines"].map { Int($0) } ?? 10
        guard let lines, lines >= 0 else { return Self.error(.error(400, "lines must be a number, 0 or more")) }
        let follow: Bool
        switch request.query["follow"] ?? "false" {
        case "true", "1": follow = true
        case "false", "0": follow = false
        case let other: return Self.error(.error(400, "follow must be true or false, not \(other)"))
        }
        let output = request.query["output"] ?? "short"
        do {
            switch try await UnitLocation.locate(name, registry: registry, machineID: machineID, forwarded: request.query[UnitStatusHandler.hopParameter] != nil) {
            case .here:
                guard reader.outputModes.contains(output) else {
                    return Self.error(.error(400, "output mode \(output) is not supported here (\(reader.outputModes.joined(separator: ", ")))"))
                }
                let text = try await reader.journal(of: name, lines: lines, follow: follow, output: output)
                return APIStreamingResponse(status: 200, contentType: "text/plain; charset=utf-8", body: Self.bytes(text))
            case .remote(let running, let apiURL):
                var query = request.query
                query[UnitStatusHandler.hopParameter] = "1"
                do {
                    let answer = try await forward(apiURL, request.path, query)
                    return APIStreamingResponse(
                        status: answer.status, contentType: answer.status == 200 ? "text/plain; charset=utf-8" : "application/json",
                        body: Self.bytes(answer.body))
                } catch {
                    return Self.error(.error(502, "machine \(running) of unit \(name) is unreachable at \(apiURL): \(error.message)"))
                }
            }
        } catch let failure as UnitLocation.Failure {
            return Self.error(.error(failure.status, failure.message))
        } catch {
            return Self.error(.error(500, "cannot read the journal of unit \(name): \(error)"))
        }
    }

    static func unitName(_ path: String) -> String? {
        UnitLocation.unitName(path, leaf: "journal")
    }

    /// A one-chunk JSON error.
    private static func error(_ response: APIResponse) -> APIStreamingResponse {
        APIStreamingResponse(status: response.status, contentType: response.contentType, body: AsyncStream { continuation in
            continuation.yield(response.body)
            continuation.finish()
        })
    }

    /// Relays a stream until it ends or the client goes away; a read failure ends it with a
    /// last line that says why.
    private static func bytes<S: AsyncSequence & Sendable>(_ source: S) -> AsyncStream<[UInt8]> where S.Element: Sendable {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let relay = Task {
            do {
                for try await element in source {
                    switch element {
                    case let text as String: continuation.yield(Array(text.utf8))
                    case let bytes as [UInt8]: continuation.yield(bytes)
                    default: break
                    }
                }
            } catch {
                continuation.yield(Array("-- journal read failed: \(error) --\n".utf8))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in relay.cancel() }
        return stream
    }

    /// Streams over HTTP.
    public static let httpForward: Forward = httpForward(tls: HTTPAPITransport.TLSFiles())

    /// Streams over HTTP; to an `https` API with these files (see `UnitStatusHandler`).
    public static func httpForward(tls: HTTPAPITransport.TLSFiles) -> Forward {
        { apiURL, path, query throws(APIClientError) in try await stream(apiURL, path, query, tls) }
    }

    private static func stream(_ apiURL: String, _ path: String, _ query: [String: String], _ tls: HTTPAPITransport.TLSFiles) async throws(APIClientError) -> (status: Int, body: AsyncThrowingStream<[UInt8], any Error>) {
        let transport = try HTTPAPITransport(endpoint: apiURL, requestTimeout: .seconds(5), tls: tls)
        let answer: (status: Int, body: AsyncThrowingStream<[UInt8], any Error>)
        do throws(APIClientError) {
            answer = try await transport.stream(path: path, query: query)
        } catch {
            await transport.shutdown()
            throw error
        }
        // The transport lives as long as its stream.
        let (body, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let relay = Task {
            do {
                for try await chunk in answer.body { continuation.yield(chunk) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
            await transport.shutdown()
        }
        continuation.onTermination = { _ in relay.cancel() }
        return (answer.status, body)
    }
}
