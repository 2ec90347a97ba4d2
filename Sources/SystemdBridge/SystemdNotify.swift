internal import CSystemd
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The service side of systemd's protocols (sd-daemon): readiness and status notifications,
/// the watchdog, and sockets passed by socket activation.
public enum SystemdNotify {
    /// One assignment sent with `sd_notify(3)`.
    public enum State: Sendable, Hashable {
        /// `READY=1`: start-up finished (for `Type=notify`).
        case ready
        /// `STOPPING=1`: shutdown began.
        case stopping
        /// `WATCHDOG=1`: still alive.
        case watchdog
        /// `STATUS=…`: a one-line status shown by `systemctl status`.
        case status(String)

        var assignment: String {
            switch self {
            case .ready: "READY=1"
            case .stopping: "STOPPING=1"
            case .watchdog: "WATCHDOG=1"
            // A newline would start another assignment: keep the status on one line.
            case .status(let text): "STATUS=" + text.split(whereSeparator: \.isNewline).joined(separator: " ")
            }
        }
    }

    /// A socket systemd passed to this process (socket activation).
    public struct ListenDescriptor: Sendable, Hashable {
        /// The file descriptor (from 3 up).
        public var fd: Int32
        /// Its `FileDescriptorName=` (`unknown` when the socket unit set none).
        public var name: String

        /// - Parameters: each field as documented on its property.
        public init(fd: Int32, name: String) {
            self.fd = fd
            self.name = name
        }
    }

    /// Sends states to the service manager.
    /// - Parameter states: the assignments, sent in one datagram.
    /// - Returns: `false` when the process was not started by systemd with a notify socket.
    /// - Throws: `SystemdError` when the socket exists but sending fails.
    @discardableResult
    public static func send(_ states: [State]) throws(SystemdError) -> Bool {
        let message = states.map(\.assignment).joined(separator: "\n")
        let result = sd_notify(0, message)
        try sdCheck("sd_notify") { result }
        return result > 0
    }

    /// How often systemd expects `WATCHDOG=1` (`WatchdogSec=`); send it at half this interval.
    /// - Returns: the interval, or `nil` when the watchdog is off for this process.
    /// - Throws: `SystemdError` when `$WATCHDOG_USEC` is malformed.
    public static func watchdogInterval() throws(SystemdError) -> Duration? {
        var microseconds: UInt64 = 0
        let enabled = try sdCheck("sd_watchdog_enabled") { sd_watchdog_enabled(0, &microseconds) }
        return enabled > 0 ? .microseconds(Int64(clamping: microseconds)) : nil
    }

    /// The sockets passed by socket activation, with their names.
    /// - Parameter unsetEnvironment: remove `$LISTEN_FDS` and friends so children do not see
    ///   them (each descriptor is also marked close-on-exec).
    /// - Returns: the descriptors in order; empty when none were passed to this process.
    /// - Throws: `SystemdError` when the variables are malformed.
    public static func listenDescriptors(unsetEnvironment: Bool = true) throws(SystemdError) -> [ListenDescriptor] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = try sdCheck("sd_listen_fds_with_names") { sd_listen_fds_with_names(unsetEnvironment ? 1 : 0, &names) }
        defer {
            if let names {
                var index = 0
                while let name = names[index] {
                    free(name)
                    index += 1
                }
                free(names)
            }
        }
        return (0..<Int(count)).map { index in
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            return ListenDescriptor(fd: Int32(SD_LISTEN_FDS_START) + Int32(index), name: name)
        }
    }
}
