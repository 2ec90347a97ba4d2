import FleetCore

/// Changing desired states and reporting the outcome, shared by load, start, stop and unload.
struct UnitTargets {
    let context: CommandContext

    /// Sets the desired state of each named unit that does not have it yet (the original's
    /// `setTargetStateOfUnits`); units already there are skipped silently.
    /// - Returns: the units changed.
    /// - Throws: `FleetctlError` for a unit that cannot be read, is missing, or refuses.
    func setDesiredState(of names: [String], to state: String) async throws(FleetctlError) -> [APIUnit] {
        var triggered: [APIUnit] = []
        for name in names {
            let unit: APIUnit?
            do {
                unit = try await context.api.unit(name)
            } catch {
                throw FleetctlError("error retrieving unit \(name) from registry: \(error)")
            }
            guard let unit else { throw FleetctlError("unable to find unit \(name)") }
            guard unit.desiredState != state else { continue }
            do {
                try await context.api.setDesiredState(name, to: state)
            } catch {
                throw FleetctlError("failed setting desired state of unit \(name): \(error)")
            }
            triggered.append(unit)
        }
        return triggered
    }

    /// Reports changed units: globals never block (`Triggered global unit NAME verb`); others
    /// are waited for, or reported as triggered with `--no-block`.
    /// - Throws: `FleetctlError` when waiting times out.
    func report(_ units: [APIUnit], verb: String, state: String, attempts: Int) async throws(FleetctlError) {
        var waitFor: [String] = []
        for unit in units {
            if UnitArguments.isGlobal(unit) {
                context.console.out("Triggered global unit \(unit.name) \(verb)")
            } else if attempts < 0 {
                context.console.out("Triggered unit \(unit.name) \(verb)")
            } else {
                waitFor.append(unit.name)
            }
        }
        try await UnitWaiter(context: context).wait(for: waitFor, state: state, attempts: attempts)
    }

    /// The units among `names` that exist; the others are ignored, as the original did.
    func existing(_ names: [String]) async throws(FleetctlError) -> [APIUnit] {
        var units: [APIUnit] = []
        for name in names {
            do {
                if let unit = try await context.api.unit(name) { units.append(unit) }
            } catch {
                throw FleetctlError("error retrieving unit \(name) from registry: \(error)")
            }
        }
        return units
    }
}
