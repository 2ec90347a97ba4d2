public import FleetCore

/// A response whose body is produced over time (e.g. `journal -f`), sent with chunked
/// transfer encoding. The server writes each element as one chunk, waits for it to be
/// written before taking the next (back-pressure), and ends the response when the stream
/// finishes. When the client goes away or the server shuts down, the server stops iterating
/// and drops the stream, which ends it (`onTermination` is called with `.cancelled`), so the
/// producer can stop.
public struct APIStreamingResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The `Content-Type` header, when set.
    public var contentType: String?
    /// The body, one chunk per element; empty elements are skipped.
    public var body: AsyncStream<[UInt8]>

    /// - Parameters: each field as documented on its property.
    public init(status: Int, contentType: String? = nil, body: AsyncStream<[UInt8]>) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// Answers a request with a stream, or returns `nil` to let the ordinary handler answer it.
public typealias StreamingHandler = @Sendable (APIRequest) async -> APIStreamingResponse?
