import FleetCore
import Foundation
import Synchronization

/// What a command runs with: options, output, the API client, and the clock it waits on.
struct CommandContext: Sendable {
    let globals: GlobalOptions
    let console: Console
    /// nil for commands that need no client (`help`, `version`, `verify`, `fd-forward`).
    let client: APIClient?
    /// The directory relative unit paths are read from.
    let workingDirectory: String
    /// Waits between polls (500 ms, as the original); tests pass one that returns at once.
    let sleep: @Sendable (Duration) async -> Void
    /// The streams ssh inherits and host-key answers are read from.
    let io: ProcessIO
    /// The invocation's environment (`FLEETCTL_*`, and what child processes get on top of the
    /// process's own).
    let environment: [String: String]
    private let machineCache = MachineCache()

    init(globals: GlobalOptions, console: Console, client: APIClient?, workingDirectory: String,
         sleep: @escaping @Sendable (Duration) async -> Void, io: ProcessIO = .standard, environment: [String: String] = [:]) {
        self.globals = globals
        self.console = console
        self.client = client
        self.workingDirectory = workingDirectory
        self.sleep = sleep
        self.io = io
        self.environment = environment
    }

    /// This context with an API client.
    func with(client: APIClient) -> CommandContext {
        CommandContext(globals: globals, console: console, client: client, workingDirectory: workingDirectory,
                       sleep: sleep, io: io, environment: environment)
    }

    /// The environment of child processes: the process's own, with the invocation's on top.
    var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }

    /// `path` with a leading `~/` replaced by the home directory (`HOME`, else the user's).
    func expandingHome(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = childEnvironment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + path.dropFirst()
    }

    /// The client; only commands that declare `needsClient` call this.
    var api: APIClient {
        guard let client else { preconditionFailure("a command that needs the API ran without a client") }
        return client
    }

    /// Active machines by ID, fetched once per invocation; a failure gives an empty map (legends
    /// then show IDs only), as the original ignored it.
    func machines() async -> [String: APIMachine] {
        if let cached = machineCache.value.withLock({ $0 }) { return cached }
        let fetched = (try? await api.machines()) ?? []
        let byID = Dictionary(fetched.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        machineCache.value.withLock { $0 = byID }
        return byID
    }

    /// A debug line on standard error, with `--debug` only.
    func debug(_ message: String) {
        if globals.debug { console.err(message) }
    }

    /// An absolute path for a path argument.
    func absolutePath(_ path: String) -> String {
        path.hasPrefix("/") ? path : (workingDirectory as NSString).appendingPathComponent(path)
    }
}

/// The machines of one invocation, shared by the copies of its context.
private final class MachineCache: Sendable {
    let value = Mutex<[String: APIMachine]?>(nil)
}
