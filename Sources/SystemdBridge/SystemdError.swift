/// An error returned by libsystemd: what failed, the errno and, for D-Bus calls, the error name.
///
/// Shaped like NIO's `FileSystemError`: an extensible `code` to switch on, a message that names
/// the unit, and the raw causes (errno, D-Bus error name and message) for logs.
public struct SystemdError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; new codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: Sendable, Hashable {
            case noSuchUnit, disconnected, closed, timedOut, accessDenied, invalidArgument, unitMasked, other
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// systemd knows no unit by that name (`org.freedesktop.systemd1.NoSuchUnit`).
        public static let noSuchUnit = Code(.noSuchUnit)
        /// The connection to systemd broke (systemd re-executed, or the bus went away): reconnect.
        public static let disconnected = Code(.disconnected)
        /// The object was used after its `close()`.
        public static let closed = Code(.closed)
        /// The call got no answer in time.
        public static let timedOut = Code(.timedOut)
        /// The caller lacks the privilege (`EACCES`, `EPERM`, `org.freedesktop.DBus.Error.AccessDenied`).
        public static let accessDenied = Code(.accessDenied)
        /// systemd refused the arguments (`EINVAL`, `org.freedesktop.DBus.Error.InvalidArgs`).
        public static let invalidArgument = Code(.invalidArgument)
        /// The unit is masked (`org.freedesktop.systemd1.UnitMasked`).
        public static let unitMasked = Code(.unitMasked)
        /// Anything else; see `errno` and `busErrorName`.
        public static let other = Code(.other)

        public var description: String { "\(kind)" }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The libsystemd call or D-Bus method that failed (`sd_bus_call`, `StartUnit`).
    public var operation: String
    /// The positive errno value (`ENOENT` = 2).
    public var errno: Int32
    /// The D-Bus error name, when the bus returned one (`org.freedesktop.systemd1.NoSuchUnit`).
    public var busErrorName: String?
    /// The D-Bus error message, when the bus returned one.
    public var busErrorMessage: String?
    /// The unit the call was about, if any.
    public var unit: String?

    /// - Parameters: each field as documented on its property; `code` defaults to the one the
    ///   errno and D-Bus error name imply.
    public init(
        operation: String,
        errno: Int32,
        busErrorName: String? = nil,
        busErrorMessage: String? = nil,
        unit: String? = nil,
        code: Code? = nil
    ) {
        self.operation = operation
        self.errno = errno
        self.busErrorName = busErrorName
        self.busErrorMessage = busErrorMessage
        self.unit = unit
        self.code = code ?? Self.classify(errno: errno, busErrorName: busErrorName)
    }

    public var description: String {
        var text = operation
        if let unit { text += " \(unit)" }
        text += " failed: \(code) (errno \(errno)"
        if let busErrorName { text += ", \(busErrorName)" }
        text += ")"
        if let busErrorMessage { text += ": \(busErrorMessage)" }
        return text
    }

    // Error names from systemd's bus-common-errors.h and the D-Bus specification; errnos from
    // sd_bus_call(3) (ECONNRESET/ENOTCONN when the peer hangs up, ETIMEDOUT on no reply).
    private static func classify(errno: Int32, busErrorName: String?) -> Code {
        switch busErrorName {
        case "org.freedesktop.systemd1.NoSuchUnit": return .noSuchUnit
        case "org.freedesktop.systemd1.UnitMasked": return .unitMasked
        case "org.freedesktop.DBus.Error.AccessDenied", "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired":
            return .accessDenied
        case "org.freedesktop.DBus.Error.InvalidArgs": return .invalidArgument
        case "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout", "org.freedesktop.DBus.Error.TimedOut":
            return .timedOut
        case "org.freedesktop.DBus.Error.Disconnected", "org.freedesktop.DBus.Error.NoServer":
            return .disconnected
        default: break
        }
        switch errno {
        case 104, 107, 32, 111, 108: return .disconnected  // ECONNRESET, ENOTCONN, EPIPE, ECONNREFUSED, ESHUTDOWN
        case 110: return .timedOut  // ETIMEDOUT
        case 13, 1: return .accessDenied  // EACCES, EPERM
        case 22: return .invalidArgument  // EINVAL
        default: return .other
        }
    }
}

/// Runs a libsystemd call and turns its negative-errno result into a thrown `SystemdError`.
/// See: sd_bus_call(3) — libsystemd returns `-errno` on failure.
@discardableResult
func sdCheck(_ operation: StaticString, unit: String? = nil, _ body: () -> CInt) throws(SystemdError) -> CInt {
    let result = body()
    guard result >= 0 else { throw SystemdError(operation: "\(operation)", errno: -result, unit: unit) }
    return result
}
