import FleetCore

/// Polls the API until units report a state, as the original's blocking: up to
/// `--block-attempts` attempts of 500 ms each (0 = no limit), so a script's time budget is
/// the original's. Within an attempt it polls every 100 ms (the original polled once), so a
/// unit is reported at most 100 ms after it got there. Global units compare their desired
/// state, others their current state.
struct UnitWaiter {
    /// One `--block-attempts` attempt.
    static let attemptInterval = Duration.milliseconds(500)
    static let pollsPerAttempt = 5
    static let interval = attemptInterval / pollsPerAttempt

    let context: CommandContext

    /// Waits for each unit in turn and prints `Unit NAME STATE[ on MACHINE-LEGEND]` when it gets
    /// there.
    /// - Parameters:
    ///   - names: the units.
    ///   - state: `inactive`, `loaded` or `launched`.
    ///   - attempts: polls per unit; 0 or less = no limit.
    /// - Throws: `FleetctlError` naming the first unit that timed out.
    func wait(for names: [String], state: String, attempts: Int) async throws(FleetctlError) {
        for name in names {
            try await wait(for: name, state: state, attempts: attempts)
        }
    }

    func wait(for name: String, state: String, attempts: Int) async throws(FleetctlError) {
        var attempt = 0
        var reportedMissing = false
        while true {
            attempt += 1
            if let unit = await poll(name, reportMissing: !reportedMissing) {
                let reached = UnitArguments.isGlobal(unit) ? unit.desiredState : unit.currentState
                if reached == state {
                    var line = "Unit \(name) \(unit.currentState)"
                    let machines = unit.machineID.isEmpty ? [:] : await context.machines()
                    if machines[unit.machineID] != nil {
                        line += " on " + MachineLegend.full(unit.machineID, machines: machines, full: false)
                    }
                    context.console.out(line)
                    return
                }
            } else {
                reportedMissing = true  // once is enough at five polls per attempt
            }
            if attempts > 0 && attempt >= attempts * Self.pollsPerAttempt {
                throw FleetctlError("timed out waiting for unit \(name) to report state \(state)")
            }
            await context.sleep(Self.interval)
        }
    }

    /// Waits until the unit is gone from the registry (destroy).
    func waitUntilGone(_ name: String, attempts: Int) async throws(FleetctlError) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                if try await context.api.unit(name) == nil { return }
            } catch {
                context.debug("Failed fetching Unit(\(name)): \(error)")
            }
            if attempts > 0 && attempt >= attempts * Self.pollsPerAttempt {
                throw FleetctlError("timed out waiting for unit \(name) to be destroyed")
            }
            await context.sleep(Self.interval)
        }
    }

    private func poll(_ name: String, reportMissing: Bool) async -> APIUnit? {
        do {
            guard let unit = try await context.api.unit(name) else {
                if reportMissing { context.console.err("Unit \(name) not found") }
                return nil
            }
            return unit
        } catch {
            context.console.err("Failed fetching Unit(\(name)): \(error)")
            return nil
        }
    }
}
