import ArgumentParser

/// One fleetctl subcommand: its flags (parsed by ArgumentParser), its help texts as the
/// original printed them, and what it does. A `ParsableCommand` only so that ArgumentParser can
/// write shell completion scripts for the whole command set; fleetctl dispatches itself.
protocol FleetctlCommand: ParsableCommand, Sendable {
    /// The word on the command line (`list-units`).
    static var name: String { get }
    /// The one-line summary of the command list.
    static var summary: String { get }
    /// What follows `fleetctl <name>` in the usage line.
    static var usage: String { get }
    /// The DESCRIPTION paragraph of `fleetctl help <name>`.
    static var details: String { get }
    /// The OPTIONS lines of `fleetctl help <name>`: flag with default, and usage.
    static var flagHelp: [(flag: String, usage: String)] { get }
    /// Whether the command talks to the API (help, version, verify, fd-forward do not).
    static var needsClient: Bool { get }
    /// Whether the words after the first argument belong to something else (ssh's remote
    /// command), so `-h` there is not a request for help.
    static var passesArgumentsThrough: Bool { get }

    /// Runs the command.
    /// - Returns: the exit status.
    func run(_ context: CommandContext) async -> Int32
}

extension FleetctlCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: name, abstract: summary) }
    static var details: String { summary }
    static var flagHelp: [(flag: String, usage: String)] { [] }
    static var needsClient: Bool { true }
    static var passesArgumentsThrough: Bool { false }
}

/// The `--block-attempts`/`--no-block` pair of load, start, stop, unload and destroy.
struct BlockingOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("block-attempts"), help: "Wait until the units reach their state, performing up to N attempts before giving up. A value of 0 indicates no limit.")
    var blockAttempts: Int = 0

    @Flag(name: .customLong("no-block"), help: "Do not wait until the units have reached their state before exiting.")
    var noBlock = false

    /// -1 for `--no-block` (which wins), else the number of polls (0 = no limit).
    var attempts: Int { noBlock ? -1 : max(0, blockAttempts) }

    func validate() throws {
        guard blockAttempts >= 0 else { throw ValidationError("--block-attempts must be 0 or more") }
    }
}
