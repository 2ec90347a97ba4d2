import ArgumentParser
import FleetCore

/// `fleetctl list-units`: one row per unit and machine from the reported systemd states.
struct ListUnitsCommand: FleetctlCommand {
    static let name = "list-units"
    static let summary = "List the current state of units in the cluster"
    static let usage = "[--no-legend] [-l|--full] [--fields]"
    static let details = """
        Lists the state of all units in the cluster loaded onto a machine.

        For easily parsable output, you can remove the column headers:
        fleetctl list-units --no-legend

        Output the list without ellipses:
        fleetctl list-units --full
        """
    static let defaultFields = "unit,machine,active,sub"
    static let validFields: Set<String> = ["unit", "machine", "load", "active", "sub", "hash"]
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--fields=\(defaultFields)", "Columns to print for each Unit. Valid fields are \(ListingOptions.validList(validFields))"),
        ("--full=false", "Do not ellipsize fields on output"),
        ("-l=false", "Shorthand for --full"),
        ("--no-legend=false", "Do not print a legend (column headers)"),
    ]

    @OptionGroup var listing: ListingOptions

    func run(_ context: CommandContext) async -> Int32 {
        let columns: [String]
        do {
            columns = try listing.columns(default: Self.defaultFields, valid: Self.validFields)
        } catch {
            context.console.err(error.message)
            return 1
        }
        let states: [APIUnitState]
        do {
            states = try await context.api.unitStates()
        } catch {
            context.console.err("Error retrieving list of units from repository: \(error)")
            return 1
        }
        let machines = states.isEmpty ? [:] : await context.machines()
        let rows = states.map { state in columns.map { field(state, $0, machines) } }
        context.console.write(listing.table(columns, rows: rows))
        return 0
    }

    private func field(_ state: APIUnitState, _ name: String, _ machines: [String: APIMachine]) -> String {
        switch name {
        case "unit": return state.name
        case "load": return orDash(state.systemdLoadState)
        case "active": return orDash(state.systemdActiveState)
        case "sub": return orDash(state.systemdSubState)
        case "hash": return orDash(listing.full ? state.hash : String(state.hash.prefix(7)))
        default: // machine
            return state.machineID.isEmpty ? "-" : MachineLegend.full(state.machineID, machines: machines, full: listing.full)
        }
    }
}
