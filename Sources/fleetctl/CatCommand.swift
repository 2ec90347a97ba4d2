import ArgumentParser
import FleetCore

/// `fleetctl cat UNIT`: prints the unit file stored in the cluster.
struct CatCommand: FleetctlCommand {
    static let name = "cat"
    static let summary = "Output the contents of a submitted unit"
    static let usage = "UNIT"
    static let details = """
        Outputs the unit file that is currently loaded in the cluster. Useful to verify
        the correct version of a unit is running.
        """

    @Argument var units: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        guard units.count == 1 else {
            context.console.err("One unit file must be provided")
            return 1
        }
        let name = UnitArguments.name(of: units[0])
        let unit: APIUnit?
        do {
            unit = try await context.api.unit(name)
        } catch {
            context.console.err("Error retrieving Unit \(name): \(error)")
            return 1
        }
        guard let unit else {
            context.console.err("Unit \(name) not found")
            return 1
        }
        context.console.write(UnitFile(options: unit.options).serialized)
        return 0
    }
}
