/// An error from the etcd client: what failed, against which endpoint, and why.
///
/// `code` is the part to switch on; `description` is for people (logs, fleetctl output).
public struct EtcdError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// No endpoint could be reached (connection refused, reset, closed, TLS failure) or etcd
        /// reported itself unavailable (no leader, stopping).
        public static let unavailable = Code("unavailable")
        /// The request did not complete within the per-request timeout.
        public static let timeout = Code("timeout")
        /// The requested revision has been compacted away; relist and watch again.
        public static let compacted = Code("compacted")
        /// The requested revision is newer than the store's current revision.
        public static let futureRevision = Code("futureRevision")
        /// etcd does not know the lease (never granted, expired, or revoked).
        public static let leaseNotFound = Code("leaseNotFound")
        /// Authentication failed: wrong user name or password, or etcd requires credentials and
        /// none were configured.
        public static let authFailed = Code("authFailed")
        /// The auth token was rejected (expired or issued before an auth change). The client
        /// re-authenticates once on its own; callers see this only if that fails too.
        public static let invalidAuthToken = Code("invalidAuthToken")
        /// The authenticated user may not perform the operation on that key.
        public static let permissionDenied = Code("permissionDenied")
        /// The request exceeds etcd's request size limit (checked before sending, and by etcd).
        public static let requestTooLarge = Code("requestTooLarge")
        /// The request was malformed or violated one of etcd's rules (for example a key given
        /// twice in one transaction).
        public static let invalidArgument = Code("invalidArgument")
        /// etcd's answer could not be decoded.
        public static let decode = Code("decode")
        /// The client configuration is unusable (bad endpoint URL, unreadable TLS file).
        public static let configuration = Code("configuration")
        /// The calling task was cancelled.
        public static let cancelled = Code("cancelled")
        /// Any other error reported by etcd; see `grpcCode` and `message`.
        public static let server = Code("server")
    }

    /// The kind of failure.
    public var code: Code
    /// The operation that failed, such as `"put"`, `"range"`, `"watch"`, `"lease keepalive"`.
    public var operation: String
    /// The endpoint the failure happened against, when one was involved.
    public var endpoint: String?
    /// A human-readable explanation, including etcd's own message when it sent one.
    public var message: String
    /// The gRPC status code etcd reported, if any (for example 5 = NotFound, 11 = OutOfRange).
    public var grpcCode: Int?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - operation: The operation that failed.
    ///   - endpoint: The endpoint involved, if any.
    ///   - message: A human-readable explanation.
    ///   - grpcCode: The gRPC status code etcd reported, if any.
    public init(_ code: Code, operation: String, endpoint: String? = nil, message: String, grpcCode: Int? = nil) {
        self.code = code
        self.operation = operation
        self.endpoint = endpoint
        self.message = message
        self.grpcCode = grpcCode
    }

    public var description: String {
        var text = "etcd \(operation) failed"
        if let endpoint { text += " against \(endpoint)" }
        text += " (\(code)"
        if let grpcCode { text += ", grpc code \(grpcCode)" }
        return text + "): \(message)"
    }
}
