import SwiftProtobuf

/// The etcd v3 RPCs the client uses. A transport maps each to its wire form: a JSON gateway
/// path today, a gRPC method (`etcdserverpb.KV/Range`, ...) for a native gRPC transport.
enum EtcdMethod: Sendable {
    case range, put, deleteRange, txn, compact
    case leaseGrant, leaseRevoke, leaseKeepAlive, leaseTimeToLive
    case authenticate

    /// The name used in errors.
    var operation: String {
        switch self {
        case .range: "range"
        case .put: "put"
        case .deleteRange: "delete"
        case .txn: "txn"
        case .compact: "compact"
        case .leaseGrant: "lease grant"
        case .leaseRevoke: "lease revoke"
        case .leaseKeepAlive: "lease keepalive"
        case .leaseTimeToLive: "lease timetolive"
        case .authenticate: "authenticate"
        }
    }

    /// Whether repeating the call after an unknown outcome is harmless, so a transport may retry
    /// it on another endpoint when a connection broke after the request was sent.
    var isIdempotent: Bool {
        switch self {
        case .range, .leaseKeepAlive, .leaseTimeToLive, .authenticate: true
        // A repeated revoke or compaction fails (lease not found, already compacted) even though
        // the first one worked, so these count as not idempotent too.
        case .put, .deleteRange, .txn, .leaseGrant, .leaseRevoke, .compact: false
        }
    }
}

/// Carries etcd v3 messages to an etcd cluster. The client's logic (auth tokens, size limits,
/// watch resumption, keep-alive loops) sits above it, so a native gRPC transport can replace
/// the JSON gateway one without touching that logic.
protocol EtcdTransport: Sendable {
    /// Sends one request and waits for its response.
    /// - Parameters:
    ///   - method: The RPC.
    ///   - request: The request message.
    ///   - responseType: The response message type.
    ///   - token: The auth token to send, if any.
    ///   - timeout: Time allowed for the whole call, failover included.
    /// - Returns: The decoded response.
    /// - Throws: ``EtcdError`` naming the endpoint(s) involved.
    func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: EtcdMethod,
        _ request: Request,
        as responseType: Response.Type,
        token: String?,
        timeout: Duration
    ) async throws(EtcdError) -> Response

    /// Opens a watch stream carrying one watch request.
    /// - Parameters:
    ///   - request: The create request.
    ///   - token: The auth token to send, if any.
    ///   - connectTimeout: Time allowed until the stream is open.
    /// - Returns: The stream of responses; it belongs to the caller, who reads it from one task.
    /// - Throws: ``EtcdError`` when no endpoint accepts the stream.
    func watch(
        _ request: Etcdserverpb_WatchRequest,
        token: String?,
        connectTimeout: Duration
    ) async throws(EtcdError) -> any EtcdWatchStream

    /// Closes every connection. The transport is unusable afterwards.
    func shutdown() async throws
}

/// The responses of one open watch stream, read by one task.
protocol EtcdWatchStream: AnyObject {
    /// The endpoint the stream is connected to.
    var endpoint: String { get }
    /// The next response, or `nil` when the server closed the stream.
    /// - Throws: ``EtcdError`` when the stream broke or etcd reported an error on it.
    func next() async throws(EtcdError) -> Etcdserverpb_WatchResponse?
}
