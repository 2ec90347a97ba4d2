import Foundation

/// A failed API call: the server's `{"error":{"code","message"}}`, or no usable answer.
public struct APIClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The server answered with an error status.
        case server
        /// No answer: unreachable endpoint, refused connection, timeout.
        case transport
        /// The request could not be built or the configuration is unusable.
        case invalidRequest
        /// The answer could not be understood.
        case invalidResponse
    }

    public let kind: Kind
    /// The HTTP status for `.server`; nil otherwise.
    public let status: Int?
    /// The server's message, or what failed.
    public let message: String

    /// - Parameters:
    ///   - kind: what went wrong.
    ///   - status: the HTTP status, when there was an answer.
    ///   - message: the server's message or a description of the failure.
    public init(_ kind: Kind, status: Int? = nil, message: String) {
        self.kind = kind
        self.status = status
        self.message = message
    }

    /// An error answer: the message comes from the `{"error":…}` body when there is one.
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - body: the response body.
    public init(status: Int, body: [UInt8]) {
        let message: String
        if let decoded = try? JSONDecoder().decode(APIErrorBody.self, from: Data(body)) {
            message = decoded.error.message
        } else if body.isEmpty {
            message = "HTTP status \(status)"
        } else {
            message = String(decoding: body.prefix(512), as: UTF8.self)
        }
        self.init(.server, status: status, message: message)
    }

    /// Shaped as the original fleetctl showed API errors: `googleapi: Error 409: <message>`.
    public var description: String {
        switch kind {
        case .server: "googleapi: Error \(status ?? 0): \(message)"
        case .transport, .invalidRequest, .invalidResponse: message
        }
    }
}
