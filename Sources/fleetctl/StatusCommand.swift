import ArgumentParser
import FleetCore

/// `fleetctl status UNIT...`: `systemctl status -l UNIT` on each unit's machine, one after another;
/// stops at the first non-zero exit status, which becomes fleetctl's.
struct StatusCommand: FleetctlCommand {
    static let name = "status"
    static let summary = "Output the status of one or more units in the cluster"
    static let usage = "[--ssh-port=N] UNIT..."
    static let details = """
        Output the status of one or more units currently running in the cluster.
        Supports glob matching of units in the current working directory or matches
        previously started units.

        This command does not work with global units.
        """
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--ssh-port=22", "Connect to remote hosts over SSH using this TCP port."),
    ]

    @Option(name: .customLong("ssh-port")) var sshPort = 22
    @Argument var units: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        guard !units.isEmpty else {
            context.console.err("One or more units must be provided.")
            return 1
        }
        for (index, argument) in units.enumerated() {
            let target: RemoteUnit
            do {
                target = try await RemoteUnit.find(
                    argument, context: context,
                    globalMessage: "Unable to determine status of global unit %@.",
                    inactiveMessage: "Unit %@ does not appear to be loaded.")
            } catch {
                context.console.err(error.message)
                return 1
            }
            // An empty line between units, as systemctl does.
            if index > 0 { context.console.out("") }
            do {
                let status = try await SSHClient(context: context, port: sshPort)
                    .run(host: target.machine.primaryIP, command: ["systemctl", "status", "-l", target.unit.name])
                if status != 0 { return status }
            } catch {
                context.console.err("Error running remote command: \(error.message)")
                return 1
            }
        }
        return 0
    }
}
