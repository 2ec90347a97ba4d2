#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A connection to systemd's manager over D-Bus.
///
/// The `sd_bus` object lives on one dedicated thread for its whole life (sd-bus objects are not
/// thread-safe): the actor runs on a one-thread executor, which also reads incoming signals
/// between calls, so events arrive without polling. Call `close()` when done; an actor's
/// `deinit` may run on another thread, so the bus is not freed there.
///
/// When systemd re-executes (`daemon-reexec`) or the bus goes away, calls throw
/// `SystemdError` with code `.disconnected` and every `events()` stream ends with that error:
/// connect again (and `subscribe()` again).
public actor SystemdConnection {
    /// Where to reach systemd.
    public enum Address: Sendable, Hashable {
        /// systemd's private socket when running as root and it exists, else the system bus.
        case automatic
        /// The system bus (dbus-daemon).
        case systemBus
        /// The calling user's bus, for `systemd --user`.
        case userBus
        /// A direct socket to systemd (`/run/systemd/private`, root only).
        case privateSocket(path: String)

        /// The default private socket path.
        public static let privateSocketPath = "/run/systemd/private"

        var resolved: Address {
            guard case .automatic = self else { return self }
            if geteuid() == 0 && access(Self.privateSocketPath, F_OK) == 0 {
                return .privateSocket(path: Self.privateSocketPath)
            }
            return .systemBus
        }
    }

    private let executor: ThreadExecutor
    let handle = BusHandle()

    /// The actor's jobs run on the connection's own thread.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init() {
        executor = ThreadExecutor()
    }

    /// Opens a connection.
    /// - Parameter address: where systemd is; `.automatic` by default.
    /// - Returns: an open connection; its events flow once `events()` is called.
    /// - Throws: `SystemdError` when the socket or bus cannot be reached.
    public static func connect(_ address: Address = .automatic) async throws(SystemdError) -> SystemdConnection {
        let connection = SystemdConnection()
        try await connection.open(address)
        return connection
    }

    private func open(_ address: Address) throws(SystemdError) {
        try handle.open(address)
        executor.setPump(handle)
    }

    // Runs on the connection's thread, so a connection dropped without `close()` still frees
    // its bus where it was made.
    isolated deinit {
        handle.close()
    }

    /// Whether the connection is still usable (not closed, not broken).
    public var isConnected: Bool { handle.bus != nil && handle.failure == nil }

    /// Closes the connection and ends every `events()` stream. Later calls throw `.closed`.
    public func close() {
        handle.close()
        executor.setPump(nil)
    }

    /// A stream of manager signals (call `subscribe()` so systemd sends them on the system bus).
    ///
    /// Each call returns a new stream. It ends normally on `close()`, and with a
    /// `SystemdError` of code `.disconnected` when the connection breaks.
    /// - Throws: `SystemdError` when the connection is already closed or broken.
    public func events() throws(SystemdError) -> AsyncThrowingStream<SystemdEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<SystemdEvent, any Error>.makeStream()
        try handle.addListener(continuation)
        return stream
    }
}
