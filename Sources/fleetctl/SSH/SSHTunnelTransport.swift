import FleetCore
import Foundation

/// `--tunnel HOST[:PORT]`: API requests travel over SSH to HOST. For a unix endpoint the remote
/// side runs `fleetctl fd-forward SOCKET` (as the original did); for an `http://h:p` endpoint
/// ssh itself forwards to h:p (`-W`). One ssh child carries the requests, one at a time; a
/// streamed answer (a followed journal) keeps the child it came on, and later requests open
/// another.
actor SSHTunnelTransport: StreamingAPITransport {
    private let ssh: SSHClient
    private let host: String
    /// What ssh runs or forwards to.
    private let remote: Remote
    private let requestTimeout: Duration
    private let connectTimeout: Duration
    private var connection: PipeHTTPConnection?
    private var verified = false

    enum Remote: Sendable, Equatable {
        /// `fleetctl fd-forward PATH` on the tunnel host.
        case unixSocket(String)
        /// ssh's `-W host:port` from the tunnel host.
        case tcp(host: String, port: Int)
    }

    /// - Parameters:
    ///   - tunnel: `HOST` or `HOST:PORT` (`[v6]:PORT`); port 22 when absent.
    ///   - endpoint: the API endpoint as seen from the tunnel host.
    /// - Throws: `FleetctlError` for a tunnel or endpoint that cannot be used.
    init(tunnel: String, endpoint: String, context: CommandContext) throws(FleetctlError) {
        let (host, port) = try Self.split(tunnel)
        self.host = host
        remote = try Self.remote(forEndpoint: endpoint)
        ssh = SSHClient(context: context, port: port, viaTunnel: false)
        requestTimeout = .milliseconds(Int64(max(0.001, context.globals.requestTimeout) * 1000))
        connectTimeout = .milliseconds(Int64(max(0.001, context.globals.sshTimeout) * 1000))
    }

    /// Splits `HOST[:PORT]`.
    static func split(_ tunnel: String) throws(FleetctlError) -> (host: String, port: Int) {
        var host = tunnel, port = "22"
        if tunnel.hasPrefix("["), let close = tunnel.firstIndex(of: "]") {
            host = String(tunnel[tunnel.index(after: tunnel.startIndex)..<close])
            let rest = tunnel[tunnel.index(after: close)...]
            if rest.hasPrefix(":") { port = String(rest.dropFirst()) } else if !rest.isEmpty { host = "" }
        } else if let colon = tunnel.lastIndex(of: ":"), tunnel.firstIndex(of: ":") == colon {
            host = String(tunnel[..<colon])
            port = String(tunnel[tunnel.index(after: colon)...])
        }
        guard !host.isEmpty, let number = Int(port), (1...65535).contains(number) else {
            throw FleetctlError("invalid --tunnel \"\(tunnel)\": expected HOST or HOST:PORT")
        }
        return (host, number)
    }

    /// What the tunnel reaches for an endpoint.
    static func remote(forEndpoint endpoint: String) throws(FleetctlError) -> Remote {
        guard let schemeEnd = endpoint.range(of: "://") else { throw FleetctlError("URL scheme undefined") }
        let scheme = endpoint[..<schemeEnd.lowerBound].lowercased()
        let rest = String(endpoint[schemeEnd.upperBound...])
        switch scheme {
        case "unix", "file":
            guard rest.hasPrefix("/") else {
                throw FleetctlError("unable to connect to host \"\(rest.split(separator: "/").first ?? "")\" with scheme \"\(scheme)\"")
            }
            return .unixSocket(rest)
        case "http":
            let authority = String(rest.prefix { $0 != "/" })
            let (host, _) = try split(authority)
            let port = authority.hasSuffix("]") || !authority.contains(":") ? 80 : try split(authority).port
            return .tcp(host: host, port: port)
        default:
            throw FleetctlError("--tunnel reaches unix:// and http:// endpoints, not \(scheme)://")
        }
    }

    /// ssh's arguments for the tunnel.
    func sshArguments() -> [String] {
        switch remote {
        case .unixSocket(let path):
            return ssh.arguments(host: host, command: ["fleetctl", "fd-forward", path])
        case .tcp(let target, let port):
            let forward = target.contains(":") ? "[\(target)]:\(port)" : "\(target):\(port)"
            return ["-W", forward] + ssh.arguments(host: host, command: [])
        }
    }

    func send(method: String, path: String, query: [String: String], body: [UInt8]) async throws(APIClientError) -> APITransportResponse {
        try await timed { (connection) throws(FleetctlError) in
            let head = try await connection.send(Self.request(method: method, path: path, query: query, body: body), method: method)
            var answer: [UInt8] = []
            try await connection.readBody(of: head) { answer += $0 }
            if !connection.reusable { drop() }
            return APITransportResponse(status: head.status, body: answer)
        }
    }

    /// The journal through the tunnel: the answer streams over this connection for as long as
    /// it lasts, so it leaves the transport (a later request opens another tunnel).
    func stream(path: String, query: [String: String]) async throws(APIClientError) -> (status: Int, body: AsyncThrowingStream<[UInt8], any Error>) {
        let (connection, head) = try await timed { (connection) throws(FleetctlError) in
            (connection, try await connection.send(Self.request(method: "GET", path: path, query: query, body: []), method: "GET"))
        }
        self.connection = nil
        let (body, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let reader = Task {
            do throws(FleetctlError) {
                try await connection.readBody(of: head) { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
            connection.close()
        }
        continuation.onTermination = { _ in
            reader.cancel()
            connection.kill()
        }
        return (head.status, body)
    }

    /// Runs `exchange` on the tunnel (opened first when needed), killing the tunnel when it
    /// takes longer than the request timeout (plus the SSH timeout for a new tunnel).
    private func timed<T>(_ exchange: (PipeHTTPConnection) async throws(FleetctlError) -> T) async throws(APIClientError) -> T {
        let fresh = connection == nil
        let connection: PipeHTTPConnection
        do {
            connection = try await open()
        } catch {
            throw APIClientError(.transport, message: "cannot open the SSH tunnel to \(host): \(error.message)")
        }
        let deadline = fresh ? requestTimeout + connectTimeout : requestTimeout
        let watchdog = Task {
            try await Task.sleep(for: deadline)
            connection.kill()
        }
        defer { watchdog.cancel() }
        do {
            return try await exchange(connection)
        } catch {
            drop()
            if connection.wasKilled {
                throw APIClientError(.transport, message: "no answer from the fleet API through the tunnel to \(host) within \(deadline)")
            }
            throw APIClientError(.transport, message: "cannot reach the fleet API through the tunnel to \(host): \(error.message)")
        }
    }

    func shutdown() async {
        drop()
    }

    private func open() async throws(FleetctlError) -> PipeHTTPConnection {
        if let connection { return connection }
        if !verified {
            try await ssh.checker.verify(host: host, port: ssh.port)
            verified = true
        }
        // ssh closes the descriptors it inherits, which Foundation takes for its exit and then
        // blocks (for every child) waiting for it; a shell in between keeps that wait short.
        // The shell passes SIGTERM on to ssh and hands it its own standard input (through fd 3:
        // a background command's input is /dev/null before any redirection).
        let opened = try await PipeHTTPConnection(
            executable: "/bin/sh",
            arguments: ["-c", #"exec 3<&0; trap 'kill $c' TERM; "$0" "$@" <&3 3<&- & c=$!; exec 3<&-; wait $c; exit $?"#, SSHClient.sshPath]
                + sshArguments(),
            environment: ssh.environment, errorDescriptor: ssh.io.error)
        connection = opened
        return opened
    }

    private func drop() {
        connection?.close()
        connection = nil
    }

    /// One HTTP/1.1 request, keep-alive.
    static func request(method: String, path: String, query: [String: String], body: [UInt8]) -> [UInt8] {
        let target = query.isEmpty ? path : path + "?" + HTTPAPITransport.queryString(query)
        var head = "\(method) \(target) HTTP/1.1\r\nHost: fleet\r\nContent-Length: \(body.count)\r\n"
        if !body.isEmpty { head += "Content-Type: application/json\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}
