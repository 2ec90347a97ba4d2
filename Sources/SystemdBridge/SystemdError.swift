/// An error returned by libsystemd: the operation, the errno and, for D-Bus calls, the error name.
public struct SystemdError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The libsystemd call that failed (`sd_bus_call`).
    public var operation: String
    /// The positive errno value (`ENOENT` = 2).
    public var errno: Int32
    /// The D-Bus error name, when the bus returned one (`org.freedesktop.systemd1.NoSuchUnit`).
    public var busErrorName: String?
    /// The D-Bus error message, when the bus returned one.
    public var busErrorMessage: String?

    /// - Parameters: each field as documented on its property.
    public init(operation: String, errno: Int32, busErrorName: String? = nil, busErrorMessage: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.busErrorName = busErrorName
        self.busErrorMessage = busErrorMessage
    }

    public var description: String {
        var text = "\(operation) failed: errno \(errno)"
        if let busErrorName { text += " (\(busErrorName)" + (busErrorMessage.map { ": \($0)" } ?? "") + ")" }
        return text
    }
}

/// Runs a libsystemd call and turns its negative-errno result into a thrown `SystemdError`.
/// See: sd_bus_call(3) — libsystemd returns `-errno` on failure.
@discardableResult
func sdCheck(_ operation: StaticString, _ body: () -> CInt) throws(SystemdError) -> CInt {
    let result = body()
    guard result >= 0 else { throw SystemdError(operation: "\(operation)", errno: -result) }
    return result
}
