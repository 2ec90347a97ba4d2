import FleetCore

/// Finds the machine `ssh`, `status` and `journal` connect to: by ID prefix, or as the machine
/// running a unit. Errors carry the original's words.
struct MachineLookup {
    let context: CommandContext

    /// The one machine whose ID starts with `prefix`.
    /// - Throws: `found more than one machine`, `machine does not exist`, or an API failure.
    func machine(prefix: String) async throws(FleetctlError) -> APIMachine {
        let machines: [APIMachine]
        do {
            machines = try await context.api.machines()
        } catch {
            throw FleetctlError("\(error)")
        }
        let matches = machines.filter { $0.id.hasPrefix(prefix) }
        guard matches.count < 2 else { throw FleetctlError("found more than one machine") }
        guard let match = matches.first else { throw FleetctlError("machine does not exist") }
        return match
    }

    /// The unit named by `argument` (a name or a path), nil when the registry has none.
    func unit(_ argument: String) async throws(FleetctlError) -> APIUnit? {
        let name = UnitArguments.name(of: argument)
        do {
            return try await context.api.unit(name)
        } catch {
            throw FleetctlError("Error retrieving unit \(name): \(error)")
        }
    }

    /// The machine running the unit named by `argument`; nil when it is not placed or its
    /// machine is gone.
    /// - Throws: `unit does not exist`, `global units unsupported`, or an API failure.
    func machine(runningUnit argument: String) async throws(FleetctlError) -> APIMachine? {
        guard let unit = try await unit(argument) else { throw FleetctlError("unit does not exist") }
        guard !UnitArguments.isGlobal(unit) else { throw FleetctlError("global units unsupported") }
        return await machine(id: unit.machineID)
    }

    /// The active machine with this ID, nil when there is none.
    func machine(id: String) async -> APIMachine? {
        id.isEmpty ? nil : await context.machines()[id]
    }
}
