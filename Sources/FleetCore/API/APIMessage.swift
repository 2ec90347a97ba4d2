import Foundation

/// An API request as the HTTP server hands it over: transport-free so handlers are tested
/// without sockets.
public struct APIRequest: Sendable {
    public var method: String
    /// The path without the query (`/fleet/v1/units/hello.service`), percent-encoded.
    public var path: String
    /// Query parameters, percent-decoded.
    public var query: [String: String]
    public var body: [UInt8]

    public init(method: String, path: String, query: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
    }

    /// Splits a request target (`/path?a=b`) into path and decoded query.
    public init(method: String, target: String, body: [UInt8] = []) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for item in parts[1].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let decode = { (s: Substring) in String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
                query[decode(pair[0])] = pair.count == 2 ? decode(pair[1]) : ""
            }
        }
        self.init(method: method, path: String(parts[0]), query: query, body: body)
    }
}

/// An API response.
public struct APIResponse: Sendable {
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]

    public init(status: Int, contentType: String? = nil, body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A JSON response.
    public static func json(_ status: Int, _ value: some Encodable) -> APIResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return APIResponse(status: status, contentType: "application/json", body: Array(try encoder.encode(value)))
        } catch {
            return .error(500, "encoding the response failed: \(error)")
        }
    }

    /// `{"error":{"code":N,"message":"…"}}` with `Content-Type: application/json`.
    public static func error(_ status: Int, _ message: String) -> APIResponse {
        json(status, APIErrorBody(code: status, message: message))
    }

    /// An empty response (204 No Content and the like).
    public static func empty(_ status: Int) -> APIResponse { APIResponse(status: status) }
}
