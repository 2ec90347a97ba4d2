import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// One `fleetd` process started by a test, in its own temp dir, with the in-memory unit
/// manager and its API on `<dir>/fleet.sock`. Only this process is ever signalled.
final class FleetdProcess: @unchecked Sendable {
    let directory: URL
    let machineID: String
    let process = Process()
    var socketPath: String { directory.appendingPathComponent("fleet.sock").path }
    var logPath: String { directory.appendingPathComponent("fleetd.log").path }

    /// The built fleetd, next to the test bundle (`.build/<triple>/debug/`).
    static var binary: URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = executable.deletingLastPathComponent().appendingPathComponent("fleetd")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        // swift-testing may run the bundle from a helper; fall back to the package's build dir.
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/fleetd")
    }

    static func newMachineID() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// Starts fleetd with `arguments` (after the socket, unit manager, machine ID and, unless
    /// nil, public IP options).
    init(
        etcd: String, arguments: [String] = [], environment: [String: String] = [:],
        machineID: String = FleetdProcess.newMachineID(), activatedSocket: String? = nil, directory: URL? = nil,
        publicIP: String? = "127.0.0.1"
    ) throws {
        self.machineID = machineID
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("fleetd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        // With a socket to activate, systemd-socket-activate listens on it and execs fleetd
        // (same PID) on the first connection, passing the socket as fd 3 (LISTEN_FDS=1).
        let launcher = activatedSocket.map { ["-l", $0, Self.binary.path] } ?? []
        process.executableURL = activatedSocket == nil ? Self.binary : URL(fileURLWithPath: "/usr/bin/systemd-socket-activate")
        process.arguments = launcher + [
            "-etcd_servers=\(etcd)", "-unit_manager=memory", "-api_socket=\(socketPath)", "-machine_id=\(machineID)",
            "-units_directory=\(self.directory.path)/units",
        ] + (publicIP.map { ["-public_ip=\($0)"] } ?? []) + arguments
        // No FLEET_* from the test's environment, and no socket activation or notify socket.
        process.environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("FLEET_") && !$0.key.hasPrefix("LISTEN_") && $0.key != "NOTIFY_SOCKET"
        }.merging(environment) { $1 }
        if environment["NOTIFY_SOCKET"] == nil { process.environment?["WATCHDOG_USEC"] = nil }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = log
        process.standardOutput = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func signal(_ number: Int32) {
        if process.isRunning { _ = kill(pid, number) }
    }

    /// Waits for the process to exit.
    /// - Returns: its exit status, or nil if it still runs after `timeout`.
    func waitExit(timeout: Duration = .seconds(15)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Kills the process if it still runs and removes its directory.
    func destroy() async {
        signal(SIGKILL)
        _ = await waitExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// One request to this fleetd's API over its unix socket.
    func request(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> (status: Int, body: String) {
        try await Self.request(socketPath: socketPath, method, path, body: body)
    }

    /// One request to the API on `socketPath`.
    static func request(
        socketPath: String, _ method: HTTPMethod, _ path: String, body: String? = nil
    ) async throws -> (status: Int, body: String) {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else { throw FleetdTestError("bad socket URL") }
        return try await request(fullURL: url.absoluteString, method, body: body)
    }

    /// One request to the API at a TCP base URL (`http://127.0.0.1:PORT`).
    static func request(url: String, _ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> (status: Int, body: String) {
        try await request(fullURL: url + path, method, body: body)
    }

    private static func request(fullURL: String, _ method: HTTPMethod, body: String?) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: fullURL)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }
}

struct FleetdTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `seconds` pass.
func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
