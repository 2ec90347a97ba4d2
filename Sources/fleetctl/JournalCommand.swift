import ArgumentParser
import FleetCore

/// `fleetctl journal [--lines=N] [-f] [--output=MODE] [--sudo] UNIT`: the unit's journal from
/// its machine (`journalctl` over SSH).
struct JournalCommand: FleetctlCommand {
    static let name = "journal"
    static let summary = "Print the journal of a unit in the cluster to stdout"
    static let usage = "[--lines=N] [--ssh-port=N] [-f|--follow] [--output=STRING] [--sudo] UNIT"
    static let details = """
        Outputs the journal of a unit by connecting to the machine that the unit occupies.

        Read the last 10 lines:
        \tfleetctl journal foo.service

        Read the last 100 lines:
        \tfleetctl journal --lines 100 foo.service

        This command does not work with global units.
        """
    static let flagHelp: [(flag: String, usage: String)] = [
        ("-f, --follow=false", "Continuously print new entries as they are appended to the journal."),
        ("--lines=10", "Number of recent log lines to return"),
        ("--output=short", "Output mode. This will be passed unaltered to journalctl on the remote host, and hence supports the same modes as that command."),
        ("--ssh-port=22", "Connect to remote hosts over SSH using this TCP port."),
        ("--sudo=false", "Execute journal command with sudo"),
    ]

    @Option(name: .customLong("lines")) var lines = 10
    @Flag(name: [.customLong("follow"), .customShort("f")]) var follow = false
    @Option(name: .customLong("output")) var output = "short"
    @Option(name: .customLong("ssh-port")) var sshPort = 22
    @Flag(name: .customLong("sudo")) var sudo = false
    @Argument var units: [String] = []

    func validate() throws {
        guard lines >= 0 else { throw ValidationError("--lines must be 0 or more") }
    }

    /// The remote command: `[sudo] journalctl --unit NAME --no-pager -n N --output MODE [-f]`.
    static func remoteCommand(unit: String, lines: Int, follow: Bool, output: String, sudo: Bool) -> [String] {
        (sudo ? ["sudo"] : []) + ["journalctl", "--unit", unit, "--no-pager", "-n", String(lines), "--output", output]
            + (follow ? ["-f"] : [])
    }

    func run(_ context: CommandContext) async -> Int32 {
        guard units.count == 1 else {
            context.console.err("One unit file must be provided.")
            return 1
        }
        let unit: APIUnit
        do {
            unit = try await RemoteUnit.find(
                units[0], context: context,
                globalMessage: "Unable to retrieve journal of global unit %@.",
                inactiveMessage: "Unit %@ does not appear to be running.")
        } catch {
            context.console.err(error.message)
            return 1
        }
        do {
            let address = try await RemoteUnit.address(of: unit, context: context)
            return try await SSHClient(context: context, port: sshPort)
                .run(host: address, command: Self.remoteCommand(unit: unit.name, lines: lines, follow: follow, output: output, sudo: sudo))
        } catch {
            context.console.err("Error running remote command: \(error.message)")
            return 1
        }
    }
}
