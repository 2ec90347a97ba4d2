import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

extension APIServer {
    /// Binds or adopts every configured listener; on failure closes those already bound.
    func bindListeners() async throws -> [Listener] {
        var tlsContext: NIOSSLContext?
        if let files = configuration.tls {
            tlsContext = try ServerTLS.makeContext(files)
        }
        let bootstrap = makeBootstrap(tlsContext: tlsContext)
        var listeners: [Listener] = []
        do {
            for fd in configuration.inheritedListeners {
                try ListenerSocket.checkInherited(fd)
                let channel: any Channel
                do {
                    channel = try await bootstrap.withBoundSocket(fd).get()
                } catch {
                    throw APIServerError(.inheritedListener, "cannot serve on inherited listener fd \(fd): \(error)")
                }
                listeners.append(Listener(channel: channel, description: Self.describe(channel.localAddress, tls: tlsContext != nil), ownedPath: nil))
            }
            // systemd may already pass the configured socket (fleet.socket); serve it once.
            let inheritedPaths = Set(listeners.compactMap { $0.channel.localAddress?.pathname })
            if let path = configuration.unixSocketPath, !inheritedPaths.contains(path) {
                try ListenerSocket.checkUnixPathLength(path)
                if await Self.someoneListens(at: path, group: group) {
                    throw APIServerError(.unixSocket, "cannot bind unix socket \(path): another process is listening on it")
                }
                try ListenerSocket.prepareUnixPath(path)
                let channel: any Channel
                do {
                    channel = try await bootstrap.bind(unixDomainSocketPath: path).get()
                } catch {
                    throw APIServerError(.unixSocket, "cannot bind unix socket \(path): \(error)")
                }
                listeners.append(Listener(channel: channel, description: "unix:\(path)", ownedPath: path))
                try ListenerSocket.setMode(configuration.unixSocketMode, path: path)
            }
        } catch {
            for listener in listeners {
                try? await listener.channel.close()
                if let path = listener.ownedPath { ListenerSocket.removeSocketFile(path) }
            }
            throw error
        }
        return listeners
    }

    private func makeBootstrap(tlsContext: NIOSSLContext?) -> ServerBootstrap {
        let connections = self.connections
        let settings = self.settings
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard connections.add(channel) else {
                        throw APIServerError(.invalidState, "the API server is shutting down")  // closes the connection
                    }
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext, Self.isTCP(channel.localAddress) {
                        try pipeline.addHandler(NIOSSLServerHandler(context: tlsContext))
                    }
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(APIHTTPHandler(settings: settings))
                }
            }
    }

    /// Whether a live server accepts connections at `path` (a socket file that is not stale).
    private static func someoneListens(at path: String, group: any EventLoopGroup) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(2))
                .connect(unixDomainSocketPath: path)
                .get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    private static func isTCP(_ address: SocketAddress?) -> Bool {
        switch address {
        case .v4, .v6: true
        default: false
        }
    }

    /// `unix:/path`, `tcp:127.0.0.1:49153`, `tcp:[::1]:49153 (tls)`.
    static func describe(_ address: SocketAddress?, tls: Bool) -> String {
        guard let address else { return "unknown" }
        let suffix = tls ? " (tls)" : ""
        switch address {
        case .unixDomainSocket:
            return "unix:\(address.pathname ?? "?")"
        case .v4:
            return "tcp:\(address.ipAddress ?? "?"):\(address.port ?? 0)" + suffix
        case .v6:
            return "tcp:[\(address.ipAddress ?? "?")]:\(address.port ?? 0)" + suffix
        }
    }
}
