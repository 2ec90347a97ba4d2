import ArgumentParser
import FleetCore

/// `fleetctl version`: prints `fleetctl version X`.
struct VersionCommand: FleetctlCommand {
    static let name = "version"
    static let summary = "Print the version and exit"
    static let usage = ""
    static let needsClient = false

    func run(_ context: CommandContext) async -> Int32 {
        context.console.out("fleetctl version \(FleetVersion.current)")
        return 0
    }
}
