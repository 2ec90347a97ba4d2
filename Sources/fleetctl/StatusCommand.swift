import ArgumentParser
import FleetCore

/// `fleetctl status UNIT...`: `systemctl status -l UNIT` on each unit's machine, one after another;
/// stops at the first non-zero exit status, which becomes fleetctl's. Beyond the original, the
/// API answers first where fleetd can (`--via`), and SSH is the fallback.
struct StatusCommand: FleetctlCommand {
    static let name = "status"
    static let summary = "Output the status of one or more units in the cluster"
    static let usage = "[--ssh-port=N] [--via=api|ssh] UNIT..."
    static let details = """
        Output the status of one or more units currently running in the cluster.
        Supports glob matching of units in the current working directory or matches
        previously started units.

        Without --via, the fleet API is asked first (fleetd on the unit's machine runs
        systemctl status); when it cannot answer, fleetctl connects over SSH.

        This command does not work with global units.
        """
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--ssh-port=22", "Connect to remote hosts over SSH using this TCP port."),
        ("--via=", "Reach the unit's machine only through the fleet API (api) or only over SSH (ssh)."),
    ]

    @Option(name: .customLong("ssh-port")) var sshPort = 22
    @Option(name: .customLong("via")) var via = ""
    @Argument var units: [String] = []

    func validate() throws {
        guard ["", "api", "ssh"].contains(via) else { throw ValidationError("--via must be api or ssh") }
    }

    func run(_ context: CommandContext) async -> Int32 {
        guard !units.isEmpty else {
            context.console.err("One or more units must be provided.")
            return 1
        }
        for (index, argument) in units.enumerated() {
            let unit: APIUnit
            do {
                unit = try await RemoteUnit.find(
                    argument, context: context,
                    globalMessage: "Unable to determine status of global unit %@.",
                    inactiveMessage: "Unit %@ does not appear to be loaded.")
            } catch {
                context.console.err(error.message)
                return 1
            }
            // An empty line between units, as systemctl does.
            if index > 0 { context.console.out("") }
            if via != "ssh" {
                do {
                    let report = try await context.api.unitStatus(unit.name)
                    context.console.write(report.output)
                    if report.exitStatus != 0 { return report.exitStatus }
                    continue
                } catch where via.isEmpty {
                    context.debug("status of \(unit.name) through the API failed (\(error)); using SSH")
                } catch {
                    context.console.err("Error retrieving status of unit \(unit.name) through the API: \(error)")
                    return 1
                }
            }
            do {
                let address = try await RemoteUnit.address(of: unit, context: context)
                let status = try await SSHClient(context: context, port: sshPort)
                    .run(host: address, command: ["systemctl", "status", "-l", unit.name])
                if status != 0 { return status }
            } catch {
                context.console.err("Error running remote command: \(error.message)")
                return 1
            }
        }
        return 0
    }
}
