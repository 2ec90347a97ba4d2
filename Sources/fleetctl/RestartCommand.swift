import ArgumentParser
import FleetCore

/// `fleetctl restart UNIT...`: a rolling restart, one unit at a time: each launched unit is
/// stopped and started again, and the next one is touched only once it is launched again.
struct RestartCommand: FleetctlCommand {
    static let name = "restart"
    static let summary = "Instruct systemd to rolling restart one or more units in the cluster."
    static let usage = "[--block-attempts=N] UNIT..."
    static let details = """
        Restarts one or more units in the cluster, one at a time: each unit is stopped and
        started again, and the next is restarted only once the previous one is launched again.
        """
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--block-attempts=0", "Wait until the units are stopped/started, performing up to N attempts before giving up. A value of 0 indicates no limit."),
    ]

    @Option(name: .customLong("block-attempts")) var blockAttempts: Int = 0
    @Argument var units: [String] = []

    func validate() throws {
        guard blockAttempts >= 0 else { throw ValidationError("--block-attempts must be 0 or more") }
    }

    func run(_ context: CommandContext) async -> Int32 {
        guard !units.isEmpty else {
            context.console.err("No units given")
            return 0
        }
        do {
            try await UnitCreator(context: context, purpose: .load, replace: false, attempts: blockAttempts).createUnits(units)
        } catch {
            context.console.err("Error creating units: \(error.message)")
            return 1
        }
        let waiter = UnitWaiter(context: context)
        var status: Int32 = 0
        for name in units.map(UnitArguments.name(of:)) {
            let unit: APIUnit?
            do {
                unit = try await context.api.unit(name)
            } catch {
                context.console.err("Error retrieving unit \(name): \(error)")
                return 1
            }
            guard let unit else {
                context.console.err("Unit \(name) not found")
                return 1
            }
            if UnitArguments.isGlobal(unit) {
                // The original restarted global units with systemctl over SSH on every machine.
                context.console.err("Unable to restart global unit \(name): restarting global units needs SSH, which this fleetctl does not support yet")
                status = 1
                continue
            }
            let steps: [String]
            switch unit.currentState {
            case "launched": steps = ["loaded", "launched"]
            case "loaded": steps = ["launched"]
            default:
                context.console.err("Unable to restart unit \(name) in state \(unit.currentState.isEmpty ? "inactive" : unit.currentState)")
                continue
            }
            for state in steps {
                do {
                    try await context.api.setDesiredState(name, to: state)
                } catch {
                    context.console.err("Error setting target state for unit \(name): \(error)")
                    return 1
                }
                do {
                    try await waiter.wait(for: name, state: state, attempts: blockAttempts)
                } catch {
                    context.console.err("Error waiting for unit states, exit status: \(error.message)")
                    return 1
                }
            }
            context.debug("Unit(\(name)) was restarted.")
        }
        return status
    }
}
