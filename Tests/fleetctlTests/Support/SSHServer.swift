import Foundation
@testable import fleetctl

/// A real OpenSSH server for end-to-end tests: `/usr/sbin/sshd` on 127.0.0.1 and a free port,
/// with a generated host key, and an `ssh-agent` holding a generated client key that the
/// server's authorized_keys accepts. The user is the current one (root here). Stopped by PID.
///
/// Both daemonize and are found by their PIDs: Foundation's `Process` takes a child that closes
/// its inherited descriptors (sshd and ssh-agent do) for exited and blocks in `waitpid` on it,
/// so a daemon must not stay its child.
final class SSHServer: @unchecked Sendable {
    let directory: String
    let port: Int
    /// The server's public host key.
    let hostKey: HostKey
    /// What fleetctl's ssh children need: the agent's socket.
    let environment: [String: String]
    let user: String
    private let pids: [pid_t]

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Starts one off Swift's cooperative pool: key generation, ssh-add and the wait for sshd
    /// block for up to seconds, which would stall every other test of the run meanwhile.
    static func start() async throws -> SSHServer {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try SSHServer() })
            }
        }
    }

    /// Sessions find programs in `bin/` of the directory first (see `install`). Blocks: use
    /// `start()` from async code.
    private init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sshd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/bin", withIntermediateDirectories: true)
        user = String(cString: getpwuid(geteuid())!.pointee.pw_name)
        try Self.keygen(directory + "/host_key")
        try Self.keygen(directory + "/client_key")
        try FileManager.default.copyItem(atPath: directory + "/client_key.pub", toPath: directory + "/authorized_keys")
        let fields = try String(contentsOfFile: directory + "/host_key.pub", encoding: .utf8).split(separator: " ")
        hostKey = HostKey(type: String(fields[0]), base64: String(fields[1]))!
        port = try Self.freePort()
        // sshd refuses to start without its privilege-separation directory.
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try """
            ListenAddress 127.0.0.1
            Port \(port)
            HostKey \(directory)/host_key
            AuthorizedKeysFile \(directory)/authorized_keys
            StrictModes no
            UsePAM yes
            PidFile \(directory)/sshd.pid
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            AllowAgentForwarding yes
            SetEnv PATH=\(directory)/bin:/usr/local/bin:/usr/bin:/bin

            """.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        try Self.run("/usr/sbin/sshd", ["-f", directory + "/sshd_config", "-E", directory + "/sshd.log"])
        let pidFile = directory + "/sshd.pid"
        // The file may exist a moment before its number is in it.
        let readPID = { pid_t(((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) }
        try Self.waitFor { readPID() != nil }
        let sshd = readPID() ?? 0
        let socket = directory + "/agent.sock"
        // `SSH_AGENT_PID=1234; export SSH_AGENT_PID;`
        // The shell closes every inherited descriptor first: ssh-agent keeps them, and one of them
        // is how Foundation learns that its child exited.
        let agentOutput: String
        do {
            agentOutput = try Self.run("/bin/bash", [
                "-c", #"for ((i = 3; i < 1024; i++)); do eval "exec $i>&-"; done; exec /usr/bin/ssh-agent -s -a "$0""#, socket,
            ])
        } catch {
            kill(sshd, SIGTERM)
            throw error
        }
        let agent = agentOutput.split(separator: "\n").compactMap { line -> pid_t? in
            guard line.hasPrefix("SSH_AGENT_PID=") else { return nil }
            return pid_t(line.dropFirst("SSH_AGENT_PID=".count).prefix { $0.isNumber })
        }.first ?? 0
        pids = [sshd, agent].filter { $0 > 0 }
        guard pids.count == 2 else {
            for pid in pids { kill(pid, SIGKILL) }
            throw Failure(description: "sshd or ssh-agent gave no PID")
        }
        environment = ["SSH_AUTH_SOCK": socket]
        let add = Process()
        add.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-add")
        add.arguments = ["-q", directory + "/client_key"]
        add.environment = ["SSH_AUTH_SOCK": socket]
        add.standardError = FileHandle.nullDevice
        do {
            try add.run()
            add.waitUntilExit()
            guard add.terminationStatus == 0 else { throw Failure(description: "ssh-add failed") }
            let port = port
            try Self.waitFor { Self.accepts(port: port) }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Stops sshd and the agent (by their PIDs) and removes the directory. SIGKILL: the agent
    /// inherits a signal mask that blocks SIGTERM from the test runner.
    func stop() {
        for pid in pids { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a program to its end and returns its standard output (through a file: a daemon
    /// child may keep a pipe open for ever).
    @discardableResult
    private static func run(_ path: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "\(path) failed") }
        return try String(contentsOfFile: outputPath, encoding: .utf8)
    }

    /// Puts a shell script named `name` first in the sessions' PATH.
    func install(_ name: String, script: String) throws {
        let path = directory + "/bin/" + name
        try ("#!/bin/sh\n" + script + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    /// A second host key, for a server whose identity "changed".
    static func otherKey() throws -> HostKey {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: path + ".pub") }
        try keygen(path)
        let fields = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ")
        return HostKey(type: String(fields[0]), base64: String(fields[1]))!
    }

    private static func keygen(_ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = ["-q", "-t", "ed25519", "-N", "", "-f", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "ssh-keygen failed") }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func waitFor(_ condition: () -> Bool) throws {
        for _ in 0..<100 {
            if condition() { return }
            usleep(50_000)
        }
        throw Failure(description: "sshd or ssh-agent did not start")
    }
}

/// Standard streams for fleetctl's ssh children in a test: input from a string, output and
/// error into files read back afterwards.
final class TestStreams: @unchecked Sendable {
    let io: ProcessIO
    private let paths: [String]

    init(input: String = "") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("io-\(UUID().uuidString)").path
        paths = ["in", "out", "err"].map { base + "." + $0 }
        try input.write(toFile: paths[0], atomically: true, encoding: .utf8)
        let fds = [open(paths[0], O_RDONLY), open(paths[1], O_WRONLY | O_CREAT | O_TRUNC, 0o600), open(paths[2], O_WRONLY | O_CREAT | O_TRUNC, 0o600)]
        io = ProcessIO(input: fds[0], output: fds[1], error: fds[2])
    }

    deinit {
        for fd in [io.input, io.output, io.error] { close(fd) }
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }

    var output: String { (try? String(contentsOfFile: paths[1], encoding: .utf8)) ?? "" }
    var error: String { (try? String(contentsOfFile: paths[2], encoding: .utf8)) ?? "" }
}
