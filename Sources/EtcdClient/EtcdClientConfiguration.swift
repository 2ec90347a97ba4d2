/// How an ``EtcdClient`` reaches etcd.
public struct EtcdClientConfiguration: Sendable {
    /// Client URLs of the etcd members, such as `http://127.0.0.1:2379` or `https://10.0.0.1:2379`.
    /// Requests go to the endpoint that last answered; on a connection failure the client tries
    /// the next one.
    public var endpoints: [String]

    /// Time allowed for one request, across all endpoints it is tried on. Watch streams are
    /// exempt (they stay open for as long as they are read).
    public var requestTimeout: Duration = .seconds(1)

    /// Time allowed to open a connection to one endpoint before the client moves to the next.
    /// `nil` means half the request timeout.
    public var connectTimeout: Duration? = nil

    /// Largest request (key plus value bytes of a put, or of all puts in a transaction) the
    /// client sends. Larger ones are refused before sending with ``EtcdError/Code/requestTooLarge``.
    /// Default: 1.5 MiB, etcd's default `--max-request-bytes`.
    public var maxRequestBytes: Int = 1_572_864

    /// Largest response body the client accepts (a big range can be large).
    public var maxResponseBytes: Int = 256 * 1024 * 1024

    /// Pooled HTTP/1.1 connections per endpoint. Each request in flight and each open watch
    /// holds one, so this bounds concurrency.
    public var maxConnectionsPerEndpoint: Int = 64

    /// TLS settings, used for `https` endpoints.
    public var tls: TLS? = nil

    /// User name and password when etcd has authentication enabled.
    public var credentials: Credentials? = nil

    /// Creates a configuration.
    /// - Parameter endpoints: Client URLs of the etcd members, in order of preference.
    public init(endpoints: [String]) {
        self.endpoints = endpoints
    }

    /// TLS files, in PEM format.
    public struct TLS: Sendable, Hashable {
        /// CA certificate(s) that sign etcd's server certificate; `nil` uses the system's roots.
        public var caFile: String?
        /// Client certificate (chain), for etcd's `--client-cert-auth`.
        public var certFile: String?
        /// Private key of the client certificate.
        public var keyFile: String?

        /// Creates TLS settings.
        /// - Parameters:
        ///   - caFile: CA certificate file, or `nil` for the system roots.
        ///   - certFile: Client certificate file, if etcd checks client certificates.
        ///   - keyFile: Client private key file; required when `certFile` is given.
        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    /// etcd user credentials, exchanged for a token at `/v3/auth/authenticate`.
    public struct Credentials: Sendable, Hashable {
        /// The etcd user name.
        public var username: String
        /// The user's password.
        public var password: String

        /// Creates credentials.
        /// - Parameters:
        ///   - username: The etcd user name.
        ///   - password: The user's password.
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }
}
