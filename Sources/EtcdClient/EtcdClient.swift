import SwiftProtobuf

/// A client for the etcd v3 API.
///
/// It speaks to etcd through a transport (today etcd's JSON gateway over HTTP/1.1), fails over
/// between endpoints, enforces a per-request timeout, refuses oversized requests before sending
/// them, and handles etcd's username/password auth (token fetched and refreshed on its own).
///
/// The client is `Sendable`: share one per process. Call ``shutdown()`` before dropping it.
public final class EtcdClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: EtcdClientConfiguration
    let transport: any EtcdTransport
    private let authenticator: Authenticator?

    /// Creates a client. No connection is opened until the first request.
    /// - Parameter configuration: Endpoints, timeouts, TLS and credentials.
    /// - Throws: ``EtcdError`` with code `configuration` for an unusable configuration.
    public convenience init(configuration: EtcdClientConfiguration) throws(EtcdError) {
        self.init(configuration: configuration, transport: try GatewayTransport(configuration: configuration))
    }

    init(configuration: EtcdClientConfiguration, transport: any EtcdTransport) {
        self.configuration = configuration
        self.transport = transport
        self.authenticator = configuration.credentials.map { Authenticator(credentials: $0, transport: transport) }
    }

    /// Closes all connections. Open watches end; the client must not be used afterwards.
    /// - Throws: The HTTP client's error if it was already shut down.
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    /// Sends one request with the current auth token, re-authenticating once if etcd rejects
    /// the token (it expires after `--auth-token-ttl`, 5 minutes by default).
    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: EtcdMethod, _ request: Request, as responseType: Response.Type
    ) async throws(EtcdError) -> Response {
        let token = try await authenticator?.token(timeout: configuration.requestTimeout)
        do {
            return try await transport.unary(
                method, request, as: responseType, token: token, timeout: configuration.requestTimeout)
        } catch where error.code == .invalidAuthToken && authenticator != nil {
            let fresh = try await authenticator?.refresh(replacing: token, timeout: configuration.requestTimeout)
            return try await transport.unary(
                method, request, as: responseType, token: fresh, timeout: configuration.requestTimeout)
        }
    }

    /// Opens a watch stream with the current auth token, re-authenticating once if needed.
    /// - Returns: The stream and the token it was opened with.
    func openWatch(_ request: Etcdserverpb_WatchRequest) async throws(EtcdError) -> (any EtcdWatchStream, String?) {
        let token = try await authenticator?.token(timeout: configuration.requestTimeout)
        do {
            let stream = try await transport.watch(request, token: token, connectTimeout: configuration.requestTimeout)
            return (stream, token)
        } catch where error.code == .invalidAuthToken && authenticator != nil {
            let fresh = try await authenticator?.refresh(replacing: token, timeout: configuration.requestTimeout)
            let stream = try await transport.watch(request, token: fresh, connectTimeout: configuration.requestTimeout)
            return (stream, fresh)
        }
    }

    /// Drops `token` so the next request authenticates again (a watch saw it rejected).
    func invalidateToken(_ token: String?) async {
        await authenticator?.invalidate(token)
    }

    /// The token requests carry now, or `nil` without credentials.
    func currentToken() async throws(EtcdError) -> String? {
        try await authenticator?.token(timeout: configuration.requestTimeout)
    }

    /// Refuses a request whose payload exceeds ``EtcdClientConfiguration/maxRequestBytes``.
    func checkSize(_ bytes: Int, operation: String, key: [UInt8]) throws(EtcdError) {
        guard bytes > configuration.maxRequestBytes else { return }
        throw EtcdError(
            .requestTooLarge, operation: operation,
            message: "request for key \"\(String(decoding: key.prefix(100), as: UTF8.self))\" carries \(bytes) bytes, "
                + "over the \(configuration.maxRequestBytes)-byte limit (etcd's --max-request-bytes); not sent")
    }
}

/// Exchanges credentials for a token and hands it out; one authentication at a time.
actor Authenticator {
    private let credentials: EtcdClientConfiguration.Credentials
    private let transport: any EtcdTransport
    private var cached: String?
    private var inFlight: Task<String, any Error>?

    init(credentials: EtcdClientConfiguration.Credentials, transport: any EtcdTransport) {
        self.credentials = credentials
        self.transport = transport
    }

    func token(timeout: Duration) async throws(EtcdError) -> String {
        if let cached { return cached }
        return try await authenticate(timeout: timeout)
    }

    func refresh(replacing old: String?, timeout: Duration) async throws(EtcdError) -> String {
        // Another caller may have refreshed already.
        if let cached, cached != old { return cached }
        cached = nil
        return try await authenticate(timeout: timeout)
    }

    func invalidate(_ token: String?) {
        if cached == token { cached = nil }
    }

    private func authenticate(timeout: Duration) async throws(EtcdError) -> String {
        let task: Task<String, any Error>
        if let inFlight {
            task = inFlight
        } else {
            var request = Etcdserverpb_AuthenticateRequest()
            request.name = credentials.username
            request.password = credentials.password
            let transport = self.transport
            task = Task {
                let response = try await transport.unary(
                    .authenticate, request, as: Etcdserverpb_AuthenticateResponse.self, token: nil, timeout: timeout)
                return response.token
            }
            inFlight = task
        }
        do {
            let token = try await task.value
            inFlight = nil
            cached = token
            return token
        } catch {
            inFlight = nil
            if var error = error as? EtcdError {
                if error.code == .invalidArgument || error.code == .authFailed {
                    error.code = .authFailed
                    error.message = "user \"\(credentials.username)\": \(error.message)"
                }
                throw error
            }
            throw EtcdError(.authFailed, operation: "authenticate", message: "\(error)")
        }
    }
}
