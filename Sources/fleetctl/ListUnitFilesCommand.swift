import ArgumentParser
import FleetCore

/// `fleetctl list-unit-files`: every unit in the cluster, loaded or not.
struct ListUnitFilesCommand: FleetctlCommand {
    static let name = "list-unit-files"
    static let summary = "List the units that exist in the cluster."
    static let usage = "[--no-legend] [-l|--full] [--fields]"
    static let details = "Lists all unit files that exist in the cluster (whether or not they are loaded onto a machine)."
    static let defaultFields = "unit,hash,dstate,state,target"
    static let validFields: Set<String> = ["unit", "hash", "dstate", "state", "target", "tmachine", "global", "desc"]
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--fields=\(defaultFields)", "Columns to print for each Unit file. Valid fields are \(ListingOptions.validList(validFields))"),
        ("--full=false", "Do not ellipsize fields on output"),
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
        for column in columns where column == "tmachine" {
            context.console.err("WARNING: The \"tmachine\" field is deprecated. Use \"target\" instead")
        }
        let units: [APIUnit]
        do {
            units = try await context.api.units()
        } catch {
            context.console.err("Error retrieving list of units from repository: \(error)")
            return 1
        }
        let machines = units.contains { !$0.machineID.isEmpty } ? await context.machines() : [:]
        let rows = units.sorted { $0.name < $1.name }.map { unit in
            let file = UnitFile(options: unit.options)
            let global = UnitArguments.isGlobal(unit)
            return columns.map { field(unit, file, global, $0, machines) }
        }
        context.console.write(listing.table(columns, rows: rows))
        return 0
    }

    private func field(_ unit: APIUnit, _ file: UnitFile, _ global: Bool, _ name: String, _ machines: [String: APIMachine]) -> String {
        switch name {
        case "unit": return unit.name
        case "hash": return listing.full ? file.hash.hex : String(file.hash.hex.prefix(7))
        case "dstate": return orDash(unit.desiredState)
        case "state": return global ? "-" : orDash(unit.currentState)
        case "global": return String(global)
        case "desc": return orDash(file.unitDescription ?? "")
        default: // target, tmachine
            if global { return "global" }
            return unit.machineID.isEmpty ? "-" : MachineLegend.full(unit.machineID, machines: machines, full: listing.full)
        }
    }
}
