public import FleetCore
public import Logging
public import NIOCore
import NIOConcurrencyHelpers
import NIOHTTP1
import NIOPosix
import NIOSSL

/// fleetd's HTTP/1.1 server for API v1: serves `APIRequest`s to a handler over a unix socket,
/// sockets inherited from systemd socket activation, and TLS on TCP listeners.
///
/// Lifecycle: `start()` binds or adopts every listener, `run()` serves until cancelled or
/// until graceful shutdown (it is a ServiceLifecycle `Service`), `shutdown()` stops
/// accepting, lets in-flight requests finish within `shutdownGracePeriod`, and closes.
/// A server is started at most once.
public final class APIServer: Sendable {
    /// One listening socket.
    struct Listener: Sendable {
        var channel: any Channel
        var description: String
        /// The socket file this server created, removed on shutdown.
        var ownedPath: String?
    }

    private enum Phase: Sendable {
        case idle
        case starting(stopRequested: Bool)
        case running([Listener])
        case stopping
        case stopped
    }

    /// The configuration the server was created with.
    public let configuration: APIServerConfiguration
    let settings: APIHTTPHandler.Settings
    let group: any EventLoopGroup
    private let logger: Logger
    private let phase = NIOLockedValueBox(Phase.idle)
    let connections = ConnectionTracker()
    private let stopped = StopSignal()

    /// - Parameters:
    ///   - configuration: where to listen and the limits.
    ///   - handler: answers every request (usually `APIHandler.handle`). Called concurrently
    ///     for requests on different connections.
    ///   - streamingHandler: consulted first; a non-nil answer is streamed with chunked
    ///     encoding, nil passes the request to `handler`.
    ///   - logger: connection errors and requests at debug level, listeners at info.
    ///   - eventLoopGroup: where sockets are served; nil: NIO's shared group.
    public init(
        configuration: APIServerConfiguration,
        handler: @escaping @Sendable (APIRequest) async -> APIResponse,
        streamingHandler: StreamingHandler? = nil,
        logger: Logger,
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.configuration = configuration
        self.settings = APIHTTPHandler.Settings(
            handler: handler,
            streamingHandler: streamingHandler,
            maxBodyBytes: configuration.maxBodyBytes,
            serverName: configuration.serverName,
            logger: logger
        )
        self.group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        self.logger = logger
    }

    /// What the server listens on, e.g. `unix:/var/run/fleet.sock`,
    /// `tcp:0.0.0.0:49153 (tls)`; empty unless running.
    public var listeningDescriptions: [String] {
        phase.withLockedValue { phase in
            if case .running(let listeners) = phase { return listeners.map(\.description) }
            return []
        }
    }

    /// Whether `start()` has been called (successfully or not yet finished) or the server
    /// was shut down.
    var hasStarted: Bool {
        phase.withLockedValue { phase in
            if case .idle = phase { return false }
            return true
        }
    }

    /// The number of open client connections.
    public var connectionCount: Int { connections.count }

    /// Adopts every inherited listener, then binds the unix socket.
    /// - Throws: `APIServerError` naming the descriptor, path or TLS file that failed; the
    ///   listeners bound so far are closed again. Also when the server was already started.
    public func start() async throws {
        let wasIdle = phase.withLockedValue { phase in
            guard case .idle = phase else { return false }
            phase = .starting(stopRequested: false)
            return true
        }
        guard wasIdle else {
            throw APIServerError(.invalidState, "the API server was already started")
        }
        let listeners: [Listener]
        do {
            listeners = try await bindListeners()
        } catch {
            let stopRequested = phase.withLockedValue { phase in
                let requested = if case .starting(true) = phase { true } else { false }
                phase = requested ? .stopped : .idle
                return requested
            }
            if stopRequested { stopped.fire() }
            throw error
        }
        let stopRequested = phase.withLockedValue { phase in
            if case .starting(true) = phase {
                phase = .stopping
                return true
            }
            phase = .running(listeners)
            return false
        }
        if stopRequested {
            await stop(listeners, gracePeriod: .zero)
            throw APIServerError(.invalidState, "the API server was shut down while starting")
        }
        for listener in listeners {
            logger.info("API listening", metadata: ["api.listener": "\(listener.description)"])
        }
    }

    /// Stops accepting connections, lets in-flight requests finish (at most
    /// `shutdownGracePeriod`, then their connections are closed), and closes every listener.
    /// Idle keep-alive connections close at once; streaming responses end. Returns when the
    /// server has stopped; later calls return at once.
    public func shutdown() async {
        await shutdown(gracePeriod: configuration.shutdownGracePeriod)
    }

    func shutdown(gracePeriod: Duration) async {
        let listeners: [Listener]? = phase.withLockedValue { phase in
            switch phase {
            case .idle:
                phase = .stopped
                return []
            case .starting:
                phase = .starting(stopRequested: true)
                return nil
            case .running(let listeners):
                phase = .stopping
                return listeners
            case .stopping, .stopped:
                return nil
            }
        }
        if let listeners {
            await stop(listeners, gracePeriod: gracePeriod)
        } else {
            if gracePeriod == .zero { connections.closeAll() }
            await stopped.wait()
        }
    }

    private func stop(_ listeners: [Listener], gracePeriod: Duration) async {
        for listener in listeners {
            try? await listener.channel.close()
            if let path = listener.ownedPath {
                ListenerSocket.removeSocketFile(path)
            }
        }
        let open = connections.quiesceAll()
        await connections.waitForClose(open, gracePeriod: gracePeriod)
        phase.withLockedValue { $0 = .stopped }
        stopped.fire()
        if !listeners.isEmpty {
            logger.info("API server stopped", metadata: ["api.listeners": "\(listeners.map(\.description))"])
        }
    }

    /// Returns once the server has stopped.
    func waitUntilStopped() async {
        await stopped.wait()
    }
}
