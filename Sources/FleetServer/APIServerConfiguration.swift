public import FleetCore

/// Where and how `APIServer` listens.
///
/// fleetd serves API v1 on its own unix socket (`/var/run/fleet.sock`) and on every listener
/// systemd passes by socket activation (`fleet.socket`), which may be unix or TCP sockets.
public struct APIServerConfiguration: Sendable {
    /// A unix socket to bind, e.g. `/var/run/fleet.sock`. Its parent directory is created
    /// when missing, a stale socket file at the path is replaced (any other kind of file is
    /// an error), and the socket gets `unixSocketMode`.
    public var unixSocketPath: String?
    /// Permission bits of the socket at `unixSocketPath` (default `0660`, as fleet.socket).
    public var unixSocketMode: UInt32 = 0o660
    /// Listening stream sockets inherited from systemd socket activation (unix or TCP).
    /// The server takes ownership of them and closes them on shutdown.
    public var inheritedListeners: [Int32] = []
    /// Server certificate and key for TCP listeners (unix sockets never use TLS). With a
    /// `caFile`, clients must present a certificate signed by that CA.
    public var tls: TLSFiles?
    /// The largest request body accepted; larger ones get 413 and the connection is closed.
    public var maxBodyBytes: Int = 1 << 20
    /// How long `shutdown()` waits for in-flight requests before closing connections.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// The `Server` header of every response (the original sends `fleetd/<version>`).
    public var serverName: String = "fleetd/\(FleetVersion.current)"

    /// PEM files for TLS on TCP listeners.
    public struct TLSFiles: Sendable {
        /// The server's certificate chain (PEM).
        public var certFile: String
        /// The server's private key (PEM).
        public var keyFile: String
        /// CA certificates (PEM) that client certificates must chain to. When set, a client
        /// without a valid certificate is refused during the handshake.
        public var caFile: String?

        /// - Parameters: each field as documented on its property.
        public init(certFile: String, keyFile: String, caFile: String? = nil) {
            self.certFile = certFile
            self.keyFile = keyFile
            self.caFile = caFile
        }
    }

    /// - Parameters: each field as documented on its property.
    public init(
        unixSocketPath: String? = nil,
        unixSocketMode: UInt32 = 0o660,
        inheritedListeners: [Int32] = [],
        tls: TLSFiles? = nil,
        maxBodyBytes: Int = 1 << 20,
        shutdownGracePeriod: Duration = .seconds(10),
        serverName: String = "fleetd/\(FleetVersion.current)"
    ) {
        self.unixSocketPath = unixSocketPath
        self.unixSocketMode = unixSocketMode
        self.inheritedListeners = inheritedListeners
        self.tls = tls
        self.maxBodyBytes = maxBodyBytes
        self.shutdownGracePeriod = shutdownGracePeriod
        self.serverName = serverName
    }
}
