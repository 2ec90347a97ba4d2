import AsyncHTTPClient
#if canImport(Glibc)
import Glibc  // errno names only
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwiftProtobuf

/// Speaks etcd's v3 JSON gateway (grpc-gateway, HTTP/1.1) on the members' client URLs.
///
/// Messages are the etcd protobuf types in their proto3 JSON form (int64 as strings, bytes as
/// base64). Why not native gRPC: see PLATFORM-NOTES.md, "etcd 3.4" (the available gRPC transport sends
/// GOAWAY to etcd after a few hundred calls).
final class GatewayTransport: EtcdTransport {
    private let http: HTTPClient
    /// Endpoint base URLs without a trailing slash.
    let endpoints: [String]
    /// Index of the endpoint that last answered; calls start there.
    private let preferred = NIOLockedValueBox(0)
    private let maxResponseBytes: Int

    /// The endpoint calls start with: the one that last answered.
    var preferredEndpoint: String { endpoints[preferred.withLockedValue { $0 }] }

    private static let encoding: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        // The gateway accepts both names; etcd's own documents use the proto names.
        options.preserveProtoFieldNames = true
        return options
    }()

    static let decoding: JSONDecodingOptions = {
        var options = JSONDecodingOptions()
        // Newer etcd versions add fields; they must not break older clients.
        options.ignoreUnknownFields = true
        return options
    }()

    /// Creates the transport and its connection pool.
    /// - Throws: ``EtcdError`` with code `configuration` for a bad endpoint or unreadable TLS file.
    init(configuration: EtcdClientConfiguration) throws(EtcdError) {
        guard !configuration.endpoints.isEmpty else {
            throw EtcdError(.configuration, operation: "connect", message: "no etcd endpoints configured")
        }
        var endpoints: [String] = []
        for raw in configuration.endpoints {
            var url = raw
            while url.hasSuffix("/") { url.removeLast() }
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > "https://".count else {
                throw EtcdError(
                    .configuration, operation: "connect", endpoint: raw,
                    message: "endpoint must be an http:// or https:// URL, such as http://127.0.0.1:2379")
            }
            endpoints.append(url)
        }
        self.endpoints = endpoints
        self.maxResponseBytes = configuration.maxResponseBytes

        var config = HTTPClient.Configuration()
        config.tlsConfiguration = try Self.tlsConfiguration(configuration.tls)
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, configuration.maxConnectionsPerEndpoint)
        // We fail over to the next endpoint ourselves; the pool's own retry would spend the whole
        // request deadline on a dead endpoint.
        config.connectionPool.retryConnectionEstablishment = false
        let connect = configuration.connectTimeout ?? configuration.requestTimeout / 2
        config.timeout.connect = TimeAmount(connect)
        config.httpVersion = .http1Only  // the gateway refuses h2c
        config.redirectConfiguration = .disallow
        config.decompression = .disabled
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    private static func tlsConfiguration(_ tls: EtcdClientConfiguration.TLS?) throws(EtcdError) -> TLSConfiguration? {
        guard let tls else { return nil }
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
            throw EtcdError(
                .configuration, operation: "connect",
                message: "TLS needs both a client certificate file and its key file, or neither")
        }
        return config
    }

    private static func load<T>(_ what: String, _ path: String, _ body: (String) throws -> T) throws(EtcdError) -> T {
        do {
            return try body(path)
        } catch {
            throw EtcdError(.configuration, operation: "connect", message: "cannot load \(what) from \(path): \(error)")
        }
    }

    func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: Unary calls

    func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: EtcdMethod,
        _ request: Request,
        as responseType: Response.Type,
        token: String?,
        timeout: Duration
    ) async throws(EtcdError) -> Response {
        let body: [UInt8]
        do {
            body = try request.jsonUTF8Bytes(options: Self.encoding)
        } catch {
            throw EtcdError(.invalidArgument, operation: method.operation, message: "cannot encode request: \(error)")
        }
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let bytes = try await send(method, path: Self.path(method), body: body, token: token, deadline: deadline)
        do {
            if case .leaseKeepAlive = method {
                // KeepAlive is a stream RPC: the gateway wraps its one answer as {"result": ...}.
                let line = try Fleet_Gateway_LeaseKeepAliveStreamLine(jsonUTF8Bytes: bytes.body, options: Self.decoding)
                if line.hasError {
                    throw EtcdError.server(
                        grpcCode: Int(line.error.grpcCode), message: line.error.message,
                        operation: method.operation, endpoint: bytes.endpoint)
                }
                guard let result = line.result as? Response else {
                    preconditionFailure("lease keepalive must be called with LeaseKeepAliveResponse")
                }
                return result
            }
            return try Response(jsonUTF8Bytes: bytes.body, options: Self.decoding)
        } catch let error as EtcdError {
            throw error
        } catch {
            throw EtcdError(
                .decode, operation: method.operation, endpoint: bytes.endpoint,
                message: "cannot decode etcd's answer (\(error)): \(Self.excerpt(bytes.body))")
        }
    }

    static func path(_ method: EtcdMethod) -> String {
        switch method {
        case .range: "/v3/kv/range"
        case .put: "/v3/kv/put"
        case .deleteRange: "/v3/kv/deleterange"
        case .txn: "/v3/kv/txn"
        case .compact: "/v3/kv/compaction"
        case .leaseGrant: "/v3/lease/grant"
        case .leaseRevoke: "/v3/lease/revoke"
        case .leaseKeepAlive: "/v3/lease/keepalive"
        case .leaseTimeToLive: "/v3/lease/timetolive"
        case .authenticate: "/v3/auth/authenticate"
        }
    }

    /// Posts `body`, trying endpoints from the preferred one on; returns a 200 answer's body.
    private func send(
        _ method: EtcdMethod, path: String, body: [UInt8], token: String?, deadline: NIODeadline
    ) async throws(EtcdError) -> (body: [UInt8], endpoint: String) {
        let start = preferred.withLockedValue { $0 }
        var failures: [String] = []
        for attempt in 0..<endpoints.count {
            let index = (start + attempt) % endpoints.count
            let endpoint = endpoints[index]
            if attempt > 0, NIODeadline.now() >= deadline {
                throw EtcdError(
                    .timeout, operation: method.operation, endpoint: endpoint,
                    message: "timed out before this endpoint could be tried; earlier: \(failures.joined(separator: "; "))")
            }
            var request = HTTPClientRequest(url: endpoint + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let token { request.headers.add(name: "Authorization", value: token) }
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await http.execute(request, deadline: deadline)
                var buffer = try await response.body.collect(upTo: maxResponseBytes)
                let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                if index != start { preferred.withLockedValue { $0 = index } }
                guard response.status == .ok else {
                    throw Self.gatewayError(
                        status: response.status, body: bytes, operation: method.operation, endpoint: endpoint)
                }
                return (bytes, endpoint)
            } catch let error as EtcdError {
                // A member without a leader cannot serve; another member may. Only reads and
                // other repeatable calls move on, since a write may have been proposed.
                if error.code == .unavailable, method.isIdempotent, attempt + 1 < endpoints.count {
                    failures.append("\(endpoint): \(error.message)")
                    continue
                }
                throw error
            } catch {
                switch Self.classify(error) {
                case .notConnected:
                    failures.append("\(endpoint): \(error)")
                    continue
                case .brokenAfterSend where method.isIdempotent:
                    failures.append("\(endpoint): \(error)")
                    continue
                case .brokenAfterSend:
                    throw EtcdError(
                        .unavailable, operation: method.operation, endpoint: endpoint,
                        message: "connection broke before etcd answered; the request may or may not have been applied: \(error)")
                case .timeout:
                    throw EtcdError(
                        .timeout, operation: method.operation, endpoint: endpoint,
                        message: "no answer within the request timeout")
                case .cancelled:
                    throw EtcdError(.cancelled, operation: method.operation, endpoint: endpoint, message: "task cancelled")
                case .other:
                    throw EtcdError(.unavailable, operation: method.operation, endpoint: endpoint, message: "\(error)")
                }
            }
        }
        throw EtcdError(
            .unavailable, operation: method.operation, endpoint: endpoints.joined(separator: ","),
            message: "no endpoint reachable: \(failures.joined(separator: "; "))")
    }

    /// Turns a non-200 gateway answer into an error. The gateway's body is
    /// `{"error": msg, "message": msg, "code": grpcCode}`; anything else is not etcd.
    static func gatewayError(status: HTTPResponseStatus, body: [UInt8], operation: String, endpoint: String) -> EtcdError {
        if let error = try? Fleet_Gateway_GatewayError(jsonUTF8Bytes: body, options: decoding), error.code != 0 {
            let message = error.message.isEmpty ? error.error : error.message
            return .server(grpcCode: Int(error.code), message: message, operation: operation, endpoint: endpoint)
        }
        return EtcdError(
            .server, operation: operation, endpoint: endpoint,
            message: "HTTP \(status.code) \(status.reasonPhrase), not an etcd gateway answer: \(excerpt(body))")
    }

    static func excerpt(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(200), as: UTF8.self)
        return bytes.count > 200 ? text + "…" : text
    }

    // MARK: Watch

    func watch(
        _ request: Etcdserverpb_WatchRequest,
        token: String?,
        connectTimeout: Duration
    ) async throws(EtcdError) -> any EtcdWatchStream {
        let body: [UInt8]
        do {
            body = try request.jsonUTF8Bytes(options: Self.encoding)
        } catch {
            throw EtcdError(.invalidArgument, operation: "watch", message: "cannot encode request: \(error)")
        }
        let start = preferred.withLockedValue { $0 }
        var failures: [String] = []
        for attempt in 0..<endpoints.count {
            let index = (start + attempt) % endpoints.count
            let endpoint = endpoints[index]
            var httpRequest = HTTPClientRequest(url: endpoint + "/v3/watch")
            httpRequest.method = .POST
            httpRequest.headers.add(name: "Content-Type", value: "application/json")
            if let token { httpRequest.headers.add(name: "Authorization", value: token) }
            httpRequest.body = .bytes(ByteBuffer(bytes: body))
            do {
                // No deadline: the stream lives as long as it is read. The pool's connect timeout
                // bounds the connection attempt; the gateway sends its head with the first message.
                let sent = httpRequest
                let response = try await withTimeout(connectTimeout) {
                    try await self.http.execute(sent, deadline: .distantFuture)
                }
                if index != start { preferred.withLockedValue { $0 = index } }
                guard response.status == .ok else {
                    var buffer = try await response.body.collect(upTo: 1 << 20)
                    let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                    throw Self.gatewayError(status: response.status, body: bytes, operation: "watch", endpoint: endpoint)
                }
                return GatewayWatchStream(endpoint: endpoint, body: response.body)
            } catch let error as EtcdError {
                throw error
            } catch {
                switch Self.classify(error) {
                case .notConnected, .brokenAfterSend, .other:
                    failures.append("\(endpoint): \(error)")
                    continue
                case .timeout:
                    failures.append("\(endpoint): no answer within \(connectTimeout)")
                    continue
                case .cancelled:
                    throw EtcdError(.cancelled, operation: "watch", endpoint: endpoint, message: "task cancelled")
                }
            }
        }
        throw EtcdError(
            .unavailable, operation: "watch", endpoint: endpoints.joined(separator: ","),
            message: "no endpoint reachable: \(failures.joined(separator: "; "))")
    }

    // MARK: Error classification

    enum Failure {
        /// No connection was made, so the request was never sent.
        case notConnected
        /// The connection broke after the request may have been sent.
        case brokenAfterSend
        case timeout
        case cancelled
        case other
    }

    static func classify(_ error: any Error) -> Failure {
        if error is CancellationError { return .cancelled }
        if error is NIOConnectionError { return .notConnected }
        if error is NIOSSLError { return .notConnected }
        if let error = error as? IOError {
            return error.errnoCode == ECONNREFUSED || error.errnoCode == ENETUNREACH || error.errnoCode == EHOSTUNREACH
                ? .notConnected : .brokenAfterSend
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return .notConnected
            // A write on a channel that was already closed (a pooled connection to a member
            // that died): the request never left whole, so etcd cannot have applied it.
            case .ioOnClosedChannel, .alreadyClosed: return .notConnected
            default: return .brokenAfterSend
            }
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .tlsHandshakeTimeout: return .notConnected
            case .deadlineExceeded, .readTimeout, .writeTimeout: return .timeout
            case .cancelled: return .cancelled
            case .remoteConnectionClosed: return .brokenAfterSend
            default: return .other
            }
        }
        if error is TimeoutError { return .timeout }
        return .other
    }
}
