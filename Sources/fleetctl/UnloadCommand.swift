import ArgumentParser
import FleetCore

/// `fleetctl unload UNIT...`: desired state `inactive` (unscheduled), then waits for it.
struct UnloadCommand: FleetctlCommand {
    static let name = "unload"
    static let summary = "Unschedule one or more units in the cluster."
    static let usage = "[--no-block|--block-attempts=N] UNIT..."
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--block-attempts=0", "Wait until the units are inactive, performing up to N attempts before giving up. A value of 0 indicates no limit."),
        ("--no-block=false", "Do not wait until the units have become inactive before exiting."),
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
        var unloading: [APIUnit] = []
        for unit in found {
            if !UnitArguments.isGlobal(unit) && unit.currentState == "inactive" && unit.desiredState == "inactive" { continue }
            do {
                try await context.api.setDesiredState(unit.name, to: "inactive")
            } catch {
                context.console.err("Error unloading unit \(unit.name): \(error)")
                return 1
            }
            unloading.append(unit)
        }
        do {
            try await targets.report(unloading, verb: "unload", state: "inactive", attempts: blocking.attempts)
        } catch {
            context.console.err("Error waiting for units: \(error.message)")
            return 1
        }
        return 0
    }
}
