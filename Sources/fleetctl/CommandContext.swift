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
    private let machineCache = MachineCache()

    init(globals: GlobalOptions, console: Console, client: APIClient?, workingDirectory: String,
         sleep: @escaping @Sendable (Duration) async -> Void) {
        self.globals = globals
        self.console = console
        self.client = client
        self.workingDirectory = workingDirectory
        self.sleep = sleep
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
