import ArgumentParser
import FleetCore

/// `fleetctl start UNIT...`: submits units when needed, sets their desired state to
/// `launched` and waits until they report it (global units never block).
struct StartCommand: FleetctlCommand {
    static let name = "start"
    static let summary = "Instruct systemd to start one or more units in the cluster, first submitting and loading if necessary."
    static let usage = "[--no-block|--block-attempts=N] [--replace] UNIT..."
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--block-attempts=0", "Wait until the units are launched, performing up to N attempts before giving up. A value of 0 indicates no limit. Does not apply to global units."),
        ("--no-block=false", "Do not wait until the units have been launched before exiting. Always the case for global units."),
        ("--replace=false", "Replace the already launched units in the cluster with new versions."),
    ]

    @OptionGroup var blocking: BlockingOptions
    @Flag(name: .customLong("replace")) var replace = false
    @Argument var units: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        await UnitCreator.submitAndSet(
            units, to: "launched", verb: "start", gerund: "starting",
            purpose: .start, replace: replace, attempts: blocking.attempts, context: context)
    }
}
