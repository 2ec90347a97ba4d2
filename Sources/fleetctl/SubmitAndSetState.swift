import FleetCore

extension UnitCreator {
    /// What `load` and `start` share: submit the units that need it, set their desired state,
    /// then wait for it (global units never block). Errors are printed in the original's words.
    /// - Parameters:
    ///   - units: the unit arguments (names or paths).
    ///   - state: the desired state (`loaded`, `launched`).
    ///   - verb: the command (`load`, `start`), for the waiting messages.
    ///   - gerund: `loading`, `starting`, for the error line.
    /// - Returns: the exit status.
    static func submitAndSet(
        _ units: [String], to state: String, verb: String, gerund: String,
        purpose: Purpose, replace: Bool, attempts: Int, context: CommandContext
    ) async -> Int32 {
        guard !units.isEmpty else {
            context.console.err("No units given")
            return 0
        }
        do {
            try await UnitCreator(context: context, purpose: purpose, replace: replace, attempts: attempts).createUnits(units)
        } catch {
            context.console.err("Error creating units: \(error.message)")
            return 1
        }
        let targets = UnitTargets(context: context)
        let triggered: [APIUnit]
        do {
            triggered = try await targets.setDesiredState(of: units.map(UnitArguments.name(of:)), to: state)
        } catch {
            context.console.err("Error \(gerund) units: \(error.message)")
            return 1
        }
        do {
            try await targets.report(triggered, verb: verb, state: state, attempts: attempts)
        } catch {
            context.console.err("Error waiting for units: \(error.message)")
            return 1
        }
        return 0
    }
}
