/// Calls an `APIHandler` directly, without sockets: for tests and in-process tools.
public struct InProcessAPITransport: APITransport {
    /// The server side that answers.
    public let handler: APIHandler

    /// - Parameter handler: the server side that answers.
    public init(handler: APIHandler) {
        self.handler = handler
    }

    /// Hands the request to the handler; never fails at the transport level.
    public func send(method: String, path: String, query: [String: String], body: [UInt8]) async throws(APIClientError) -> APITransportResponse {
        let response = await handler.handle(APIRequest(method: method, path: path, query: query, body: body))
        return APITransportResponse(status: response.status, body: response.body)
    }

    /// Nothing to release.
    public func shutdown() async {}
}
