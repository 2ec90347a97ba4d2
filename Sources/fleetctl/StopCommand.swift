import ArgumentParser
import FleetCore

/// `fleetctl stop UNIT...`: desired state `loaded` for launched units, then waits for it.
/// Units not in the cluster are ignored; an inactive unit is an error, as the original.
struct StopCommand: FleetctlCommand {
    static let name = "stop"
    static let summary = "Instruct systemd to stop one or more units in the cluster."
    static let usage = "[--no-block|--block-attempts=N] UNIT..."
    static let details = """
        Stop one or more units from running in the cluster, but allow them to be
        started again in the future.

        Instructs systemd on the host machine to stop the unit, deferring to systemd
        completely for any custom stop directives (i.e. ExecStop option in the unit
        file).
        """
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--block-attempts=0", "Wait until the units are stopped, performing up to N attempts before giving up. A value of 0 indicates no limit. Does not apply to global units."),
        ("--no-block=false", "Do not wait until the units have stopped before exiting. Always the case for global units."),
    ]

    @OptionGroup var blocking: BlockingOptions
    @Argument var units: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        let targets = UnitTargets(context: context)
        let found: [APIUnit]
        do {
            found = try await targets.existing(units.map(UnitArguments.name(of:)))
        } catch {
            context.console.err("Error retrieving units: \(error.message)")
            return 1
        }
        var stopping: [APIUnit] = []
        for unit in found {
            if !UnitArguments.isGlobal(unit) {
                if unit.currentState == "inactive" {
                    context.console.err("Unable to stop unit \(unit.name) in state inactive")
                    return 1
                }
                if unit.currentState == "loaded" { continue }
            }
            do {
                try await context.api.setDesiredState(unit.name, to: "loaded")
            } catch {
                context.console.err("Error stopping unit \(unit.name): \(error)")
                return 1
            }
            stopping.append(unit)
        }
        do {
            try await targets.report(stopping, verb: "stop", state: "loaded", attempts: blocking.attempts)
        } catch {
            context.console.err("Error waiting for units: \(error.message)")
            return 1
        }
        return 0
    }
}
