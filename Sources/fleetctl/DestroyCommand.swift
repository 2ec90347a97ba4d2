import ArgumentParser
import FleetCore

/// `fleetctl destroy UNIT...`: removes units from the cluster (systemd stops them) and prints
/// `Destroyed NAME` once each is gone.
struct DestroyCommand: FleetctlCommand {
    static let name = "destroy"
    static let summary = "Destroy one or more units in the cluster"
    static let usage = "[--no-block|--block-attempts=N] UNIT..."
    static let details = """
        Completely remove one or more running or submitted units from the cluster.

        Instructs systemd on the host machine to stop the unit, deferring to systemd
        completely for any custom stop directives (i.e. ExecStop option in the unit
        file).

        Destroyed units are impossible to start unless re-submitted.
        """
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--block-attempts=0", "Wait until the units are destroyed, performing up to N attempts before giving up. A value of 0 indicates no limit."),
        ("--no-block=false", "Do not wait until the units are destroyed before exiting. Always the case for global units."),
    ]

    @OptionGroup var blocking: BlockingOptions
    @Argument var units: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        guard !units.isEmpty else {
            context.console.err("No units given")
            return 0
        }
        let found: [APIUnit]
        do {
            found = try await UnitTargets(context: context).existing(units.map(UnitArguments.name(of:)))
        } catch {
            context.console.err("Error destroying units: \(error.message)")
            return 1
        }
        guard !found.isEmpty else {
            context.console.err("Units not found in registry")
            return 0
        }
        var status: Int32 = 0
        for unit in found {
            do {
                // Someone else destroying it first is fine.
                try await context.api.destroyUnit(unit.name)
                if blocking.attempts >= 0 {
                    try await UnitWaiter(context: context).waitUntilGone(unit.name, attempts: blocking.attempts)
                }
                context.console.out("Destroyed \(unit.name)")
            } catch let error as FleetctlError {
                context.console.err("Error destroying units: \(error.message)")
                status = 1
            } catch {
                context.console.err("Error destroying units: \(error)")
                status = 1
            }
        }
        return status
    }
}
