import Foundation
import FleetCore

/// The checks `status` and `journal` make before reaching a unit's machine.
struct RemoteUnit {
    /// The unit as the registry has it.
    let unit: APIUnit
    /// The machine it runs on.
    let machine: APIMachine

    /// Finds the unit and its machine.
    /// - Parameters:
    ///   - argument: a unit name or path.
    ///   - globalMessage: the refusal for a global unit (`%@` is the name).
    ///   - inactiveMessage: the refusal for an inactive unit.
    /// - Throws: `FleetctlError` in the original's words.
    static func find(_ argument: String, context: CommandContext, globalMessage: String, inactiveMessage: String) async throws(FleetctlError) -> RemoteUnit {
        let lookup = MachineLookup(context: context)
        let name = UnitArguments.name(of: argument)
        guard let unit = try await lookup.unit(argument) else { throw FleetctlError("Unit \(name) does not exist.") }
        guard !UnitArguments.isGlobal(unit) else { throw FleetctlError(globalMessage.replacingOccurrences(of: "%@", with: name)) }
        guard unit.currentState != "inactive", !unit.machineID.isEmpty else {
            throw FleetctlError(inactiveMessage.replacingOccurrences(of: "%@", with: name))
        }
        guard let machine = await lookup.machine(id: unit.machineID), !machine.primaryIP.isEmpty else {
            throw FleetctlError("Error getting machine IP: machine \(unit.machineID) is not in the cluster or has no address")
        }
        return RemoteUnit(unit: unit, machine: machine)
    }
}
