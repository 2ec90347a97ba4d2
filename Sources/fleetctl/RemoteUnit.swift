import FleetCore
import Foundation

/// The checks `status` and `journal` make before reaching a unit's machine.
enum RemoteUnit {
    /// Finds the unit and checks that it runs on one machine.
    /// - Parameters:
    ///   - argument: a unit name or path.
    ///   - globalMessage: the refusal for a global unit (`%@` is the name).
    ///   - inactiveMessage: the refusal for an inactive unit.
    /// - Throws: `FleetctlError` in the original's words.
    static func find(_ argument: String, context: CommandContext, globalMessage: String, inactiveMessage: String) async throws(FleetctlError) -> APIUnit {
        let name = UnitArguments.name(of: argument)
        guard let unit = try await MachineLookup(context: context).unit(argument) else { throw FleetctlError("Unit \(name) does not exist.") }
        guard !UnitArguments.isGlobal(unit) else { throw FleetctlError(globalMessage.replacingOccurrences(of: "%@", with: name)) }
        guard unit.currentState != "inactive", !unit.machineID.isEmpty else {
            throw FleetctlError(inactiveMessage.replacingOccurrences(of: "%@", with: name))
        }
        return unit
    }

    /// The address SSH reaches the unit's machine at.
    /// - Throws: `FleetctlError` when the machine is gone or has no address.
    static func address(of unit: APIUnit, context: CommandContext) async throws(FleetctlError) -> String {
        guard let machine = await MachineLookup(context: context).machine(id: unit.machineID), !machine.primaryIP.isEmpty else {
            throw FleetctlError("Error getting machine IP: machine \(unit.machineID) is not in the cluster or has no address")
        }
        return machine.primaryIP
    }
}
