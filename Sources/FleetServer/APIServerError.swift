/// Why the API server could not start. Every case names the listener it is about.
public struct APIServerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Code: Sendable, Equatable {
        /// A unix socket path could not be prepared or bound.
        case unixSocket
        /// An inherited descriptor is not a listening stream socket or could not be adopted.
        case inheritedListener
        /// A TLS certificate, key or CA file could not be loaded.
        case tls
        /// `start()` was called on a server that was already started or shut down.
        case invalidState
    }

    /// What went wrong.
    public var code: Code
    /// A message naming the path, descriptor or file and the cause.
    public var message: String

    /// - Parameters: each field as documented on its property.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
