import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// A real etcd (Debian's `/usr/bin/etcd`) for tests: free loopback ports, a temporary data dir,
/// no `ETCD_*` variables from the caller's environment. It can be stopped, restarted on the same
/// ports and data, and killed. Only the process it started is ever signalled.
public actor EtcdProcess {
    /// Settings of the etcd to start.
    public struct Options: Sendable {
        /// Extra command-line flags, such as `--auth-token-ttl=1`.
        public var extraArguments: [String] = []
        /// Serve clients over TLS with these files.
        public var tls: TLSFiles? = nil

        public init(extraArguments: [String] = [], tls: TLSFiles? = nil) {
            self.extraArguments = extraArguments
            self.tls = tls
        }
    }

    /// PEM files for a TLS etcd. With `clientCertAuth`, etcd demands a certificate signed by
    /// `ca`; the helper's own health probe and etcdctl then use `clientCert`/`clientKey`.
    public struct TLSFiles: Sendable {
        public var ca: String
        public var serverCert: String
        public var serverKey: String
        public var clientCert: String
        public var clientKey: String
        public var clientCertAuth: Bool

        public init(ca: String, serverCert: String, serverKey: String, clientCert: String, clientKey: String, clientCertAuth: Bool) {
            self.ca = ca
            self.serverCert = serverCert
            self.serverKey = serverKey
            self.clientCert = clientCert
            self.clientKey = clientKey
            self.clientCertAuth = clientCertAuth
        }
    }

    public static let binary = "/usr/bin/etcd"
    static let etcdctlBinary = "/usr/bin/etcdctl"

    /// The client URL, `http://127.0.0.1:<port>` (or `https://` with TLS).
    public nonisolated let clientURL: String
    /// The temporary directory holding the data dir and the log.
    public nonisolated let directory: URL
    private let clientPort: Int
    private let peerPort: Int
    private let options: Options
    private var process: Process?

    /// Starts etcd and waits until `/health` answers.
    ///
    /// A free port found by binding port 0 can be taken by another process (tests run in
    /// parallel) before etcd binds it; then etcd exits with "address already in use" and the
    /// start is tried again on other ports, a few times.
    public static func start(_ options: Options = .init()) async throws -> EtcdProcess {
        var attempt = 0
        while true {
            attempt += 1
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("fleet-etcd-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let ports = try await freePorts(2)
            let etcd = EtcdProcess(directory: directory, clientPort: ports[0], peerPort: ports[1], options: options)
            do {
                try await etcd.launch()
                return etcd
            } catch {
                let portTaken = etcd.logTail().contains("address already in use")
                await etcd.destroy()
                if !portTaken || attempt == 5 { throw error }
            }
        }
    }

    /// Runs `body` with a fresh etcd, then kills it and removes its directory whatever happens.
    public static func with<T>(_ options: Options = .init(), _ body: (EtcdProcess) async throws -> T) async throws -> T {
        let etcd = try await start(options)
        do {
            let result = try await body(etcd)
            await etcd.destroy()
            return result
        } catch {
            await etcd.destroy()
            throw error
        }
    }

    private init(directory: URL, clientPort: Int, peerPort: Int, options: Options) {
        self.directory = directory
        self.clientPort = clientPort
        self.peerPort = peerPort
        self.options = options
        self.clientURL = "\(options.tls == nil ? "http" : "https")://127.0.0.1:\(clientPort)"
    }

    /// Finds free loopback ports by binding port 0 and closing again.
    public static func freePorts(_ count: Int) async throws -> [Int] {
        var channels: [any Channel] = []
        var ports: [Int] = []
        for _ in 0..<count {
            // Keep each bound until all are found so the kernel hands out distinct ports.
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: 0).get()
            channels.append(channel)
            guard let port = channel.localAddress?.port else { throw EtcdProcessError("no local port") }
            ports.append(port)
        }
        for channel in channels { try await channel.close() }
        return ports
    }

    /// Environment without `ETCD_*`/`ETCDCTL_*`: etcd treats them as flags and a duplicate is fatal.
    public static func cleanEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ETCD_") && !$0.key.hasPrefix("ETCDCTL_") }
    }

    private func launch() async throws {
        let peer = "http://127.0.0.1:\(peerPort)"
        var arguments = [
            "--name", "default",
            "--data-dir", directory.appendingPathComponent("data").path,
            "--listen-client-urls", clientURL,
            "--advertise-client-urls", clientURL,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "default=\(peer)",
            "--logger", "zap",
        ]
        if let tls = options.tls {
            arguments += ["--cert-file", tls.serverCert, "--key-file", tls.serverKey, "--trusted-ca-file", tls.ca]
            if tls.clientCertAuth { arguments += ["--client-cert-auth"] }
        }
        arguments += options.extraArguments

        let logURL = directory.appendingPathComponent("etcd.log")
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        try log.seekToEnd()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = Self.cleanEnvironment()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        try await waitHealthy(process)
    }

    private func waitHealthy(_ process: Process) async throws {
        var config = HTTPClient.Configuration()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none  // only the health probe; tests check TLS themselves
        if let files = options.tls, files.clientCertAuth {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(files.clientCert).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: files.clientKey, format: .pem))
        }
        config.tlsConfiguration = tls
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        do {
            try await probeHealth(process, http)
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func probeHealth(_ process: Process, _ http: HTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw EtcdProcessError("etcd exited during startup with status \(process.terminationStatus); log:\n\(logTail())")
            }
            if let response = try? await http.execute(HTTPClientRequest(url: clientURL + "/health"), timeout: .seconds(1)),
                response.status == .ok,
                let body = try? await response.body.collect(upTo: 4096),
                String(buffer: body).contains("\"health\":\"true\"")
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EtcdProcessError("etcd did not become healthy within 20 s; log:\n\(logTail())")
    }

    /// The last lines of etcd's log, for failure messages.
    public nonisolated func logTail() -> String {
        let text = (try? String(contentsOf: directory.appendingPathComponent("etcd.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }

    /// Stops etcd gracefully (SIGTERM) and waits for it to exit.
    public func stop() async {
        guard let process else { return }
        if process.isRunning { process.terminate() }
        await waitExit(process)
        self.process = nil
    }

    /// Kills etcd (SIGKILL) and waits for it to exit.
    public func kill() async {
        guard let process else { return }
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
        await waitExit(process)
        self.process = nil
    }

    /// Starts etcd again on the same ports and data dir (after ``stop()`` or ``kill()``).
    public func restart() async throws {
        await stop()
        try await launch()
    }

    /// Kills etcd if running and removes its directory.
    public func destroy() async {
        await kill()
        try? FileManager.default.removeItem(at: directory)
    }

    private func waitExit(_ process: Process) async {
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs `etcdctl` (API v3) against this etcd.
    /// - Returns: Its standard output.
    @discardableResult
    public func etcdctl(_ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.etcdctlBinary)
        var environment = Self.cleanEnvironment()
        environment["ETCDCTL_API"] = "3"
        process.environment = environment
        var args = ["--endpoints", clientURL]
        if let tls = options.tls { args += ["--cacert", tls.ca, "--cert", tls.clientCert, "--key", tls.clientKey] }
        process.arguments = args + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        await waitExit(process)
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw EtcdProcessError("etcdctl \(arguments.joined(separator: " ")) failed: \(err)")
        }
        return out
    }
}

public struct EtcdProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
