import EtcdClient
import FleetCore
import Foundation
import Logging

/// The real `Engine` in a child process of its own (`fleet-bench sim-engine …`), so its CPU
/// time and peak RSS are its own and not the simulated agents'. The child holds its own lease
/// (no machine record: the engine machine runs no units) and exits when its stdin closes, so
/// it never outlives the simulator.
final class EngineProcess: Sendable {
    let process: Process
    private let stdin: Pipe

    /// Starts the child.
    /// - Parameters:
    ///   - etcd: etcd's client URL.
    ///   - poll: nil for the watch-driven engine; a reconcile interval (seconds) for the
    ///     original's polling design (a full reread every interval).
    ///   - ttl: the engine's lease TTL (seconds).
    init(etcd: String, poll: Int?, ttl: Int) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["sim-engine", etcd, poll.map(String.init) ?? "watch", String(ttl)]
        stdin = Pipe()
        process.standardInput = stdin
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// CPU time (user + system) the child has used so far.
    func cpuSeconds() -> Double { ProcessStats.cpuSeconds(pid: "\(pid)") }

    /// The child's peak resident set size in bytes (VmHWM).
    func peakRSS() -> Int { ProcessStats.status("VmHWM", pid: "\(pid)") }

    /// Ends the child: closing its stdin makes it exit; SIGTERM (to its own PID) if it lingers.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// The child's side: `fleet-bench sim-engine ETCD_URL watch|INTERVAL TTL`.
    static func childMain(_ arguments: [String]) async {
        guard arguments.count == 3, let ttl = Int(arguments[2]) else {
            print("usage: fleet-bench sim-engine ETCD_URL watch|INTERVAL_SECONDS TTL_SECONDS")
            exit(2)
        }
        // The parent closes our stdin (or dies): leave at once.
        Thread.detachNewThread {
            _ = FileHandle.standardInput.readDataToEndOfFile()
            exit(0)
        }
        var quiet = Logger(label: "fleet-bench.engine")
        quiet.logLevel = .error
        do {
            var configuration = EtcdClientConfiguration(endpoints: [arguments[0]])
            configuration.requestTimeout = .seconds(10)
            let client = try EtcdClient(configuration: configuration)
            let registry = Registry(store: EtcdKeyValueStore(client: client), logger: quiet)
            let lease = try await registry.store.grantLease(ttl: .seconds(Int64(ttl)))
            let mode: Engine.Mode = Int(arguments[1]).map { .poll(interval: .seconds($0)) } ?? .watch(resyncInterval: .seconds(60))
            let engine = Engine(registry: registry, machineID: "engine", mode: mode, logger: quiet) { lease }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(Double(ttl) / 3))
                        _ = try? await registry.store.keepAlive(lease: lease)
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } catch {
            FileHandle.standardError.write(Data("sim-engine: \(error)\n".utf8))
            exit(1)
        }
    }
}

/// Figures of a process from /proc.
enum ProcessStats {
    /// utime + stime of a process (`self` or a PID), in seconds.
    static func cpuSeconds(pid: String = "self") -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A `kB` field of /proc/PID/status (VmRSS, VmHWM), in bytes.
    static func status(_ field: String, pid: String = "self") -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let number = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return number * 1024
        }
        return 0
    }
}
