import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Carries API requests over HTTP/1.1: a unix socket (`unix:///var/run/fleet.sock`), plain TCP
/// (`http://host:port`) or TLS (`https://host:port`, with optional client certificate).
public final class HTTPAPITransport: StreamingAPITransport {
    /// TLS files, as fleetctl's `--ca-file`, `--cert-file` and `--key-file` name them.
    public struct TLSFiles: Sendable, Hashable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?

        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    /// The endpoint as given.
    public let endpoint: String
    /// The URL requests are built on (`http+unix://%2Fvar%2Frun%2Ffleet.sock`, `http://h:p`).
    public let baseURL: String
    private let requestTimeout: Duration
    private let http: HTTPClient
    private static let maxResponseBytes = 64 << 20

    /// - Parameters:
    ///   - endpoint: `unix:///path` (or `file:///path`), `http://host:port` or `https://host:port`.
    ///   - requestTimeout: time allowed for each request, connecting included.
    ///   - tls: certificate files for `https` endpoints.
    /// - Throws: `APIClientError` (`.invalidRequest`) for an endpoint or TLS file that cannot be
    ///   used, in the original's words where it had them.
    public init(endpoint: String, requestTimeout: Duration = .seconds(3), tls: TLSFiles = TLSFiles()) throws(APIClientError) {
        self.endpoint = endpoint
        self.baseURL = try Self.url(forEndpoint: endpoint)
        self.requestTimeout = requestTimeout
        var config = HTTPClient.Configuration()
        if baseURL.hasPrefix("https://") {
            config.tlsConfiguration = try Self.tlsConfiguration(tls)
        }
        config.timeout.connect = TimeAmount(requestTimeout)
        config.connectionPool.retryConnectionEstablishment = false
        config.httpVersion = .http1Only
        config.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Maps an endpoint to the URL AsyncHTTPClient understands.
    /// - Parameter endpoint: `unix:///path`, `file:///path`, `http://…` or `https://…`.
    /// - Returns: the base URL of requests (`http+unix://<percent-encoded path>` for sockets).
    /// - Throws: `APIClientError` (`.invalidRequest`) in the original's words.
    public static func url(forEndpoint endpoint: String) throws(APIClientError) -> String {
        guard let schemeEnd = endpoint.range(of: "://") else {
            throw APIClientError(.invalidRequest, message: "URL scheme undefined")
        }
        let scheme = endpoint[..<schemeEnd.lowerBound].lowercased()
        let rest = String(endpoint[schemeEnd.upperBound...])
        switch scheme {
        case "unix", "file":
            guard rest.hasPrefix("/") else {
                let host = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
                throw APIClientError(.invalidRequest, message: "unable to connect to host \"\(host)\" with scheme \"\(scheme)\"")
            }
            let socket = rest.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? rest
            return "http+unix://" + socket
        case "http", "https":
            var trimmed = endpoint
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            guard trimmed.count > scheme.count + 3 else {
                throw APIClientError(.invalidRequest, message: "endpoint \(endpoint) names no host")
            }
            return trimmed
        default:
            throw APIClientError(.invalidRequest, message: "unsupported URL scheme \"\(scheme)\" in endpoint \(endpoint) (expected unix, http or https)")
        }
    }

    private static func tlsConfiguration(_ tls: TLSFiles) throws(APIClientError) -> TLSConfiguration {
        var config = TLSConfiguration.makeClientConfiguration()
        if let caFile = tls.caFile {
            config.trustRoots = .certificates(try load("CA certificate", caFile) { try NIOSSLCertificate.fromPEMFile($0) })
        }
        switch (tls.certFile, tls.keyFile) {
        case (let certFile?, let keyFile?):
            let chain = try load("client certificate", certFile) { try NIOSSLCertificate.fromPEMFile($0) }
            config.certificateChain = chain.map { .certificate($0) }
            config.privateKey = .privateKey(try load("client key", keyFile) { try NIOSSLPrivateKey(file: $0, format: .pem) })
        case (nil, nil):
            break
        default:
            throw APIClientError(.invalidRequest, message: "TLS needs both --cert-file and --key-file, or neither")
        }
        return config
    }

    private static func load<T>(_ what: String, _ path: String, _ body: (String) throws -> T) throws(APIClientError) -> T {
        do {
            return try body(path)
        } catch {
            throw APIClientError(.invalidRequest, message: "cannot load \(what) from \(path): \(error)")
        }
    }

    /// `a=1&b=2`: the parameters sorted by name, percent-encoded (every transport writes them
    /// the same way).
    public static func queryString(_ query: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return query.sorted { $0.key < $1.key }.map { key, value in
            (key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key) + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
    }

    /// Sends one request with the request timeout as its deadline.
    public func send(method: String, path: String, query: [String: String], body: [UInt8]) async throws(APIClientError) -> APITransportResponse {
        var url = baseURL + path
        if !query.isEmpty { url += "?" + Self.queryString(query) }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if !body.isEmpty {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(request, deadline: .now() + TimeAmount(requestTimeout))
            var buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
            return APITransportResponse(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw APIClientError(.transport, message: "no answer from the fleet API at \(endpoint) within \(requestTimeout)")
        } catch {
            throw APIClientError(.transport, message: "cannot reach the fleet API at \(endpoint): \(error)")
        }
    }

    public func stream(path: String, query: [String: String]) async throws(APIClientError) -> (status: Int, body: AsyncThrowingStream<[UInt8], any Error>) {
        var url = baseURL + path
        if !query.isEmpty { url += "?" + Self.queryString(query) }
        let request = HTTPClientRequest(url: url)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .hours(24 * 365))
        } catch {
            throw APIClientError(.transport, message: "cannot reach the fleet API at \(endpoint): \(error)")
        }
        let (body, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let reader = Task {
            do {
                for try await var chunk in response.body {
                    continuation.yield(chunk.readBytes(length: chunk.readableBytes) ?? [])
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return (Int(response.status.code), body)
    }

    /// Closes the connection pool.
    public func shutdown() async {
        try? await http.shutdown()
    }
}
