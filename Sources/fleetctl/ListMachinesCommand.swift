import ArgumentParser
import FleetCore

/// `fleetctl list-machines`: the active machines with IP and metadata.
struct ListMachinesCommand: FleetctlCommand {
    static let name = "list-machines"
    static let summary = "Enumerate the current hosts in the cluster"
    static let usage = "[-l|--full] [--no-legend]"
    static let details = """
        Lists all active machines within the cluster. Previously active machines will
        not appear in this list.

        For easily parsable output, you can remove the column headers:
        fleetctl list-machines --no-legend
        """
    static let defaultFields = "machine,ip,metadata"
    static let validFields: Set<String> = ["machine", "ip", "metadata"]
    static let flagHelp: [(flag: String, usage: String)] = [
        ("--fields=\(defaultFields)", "Columns to print for each Machine. Valid fields are \(ListingOptions.validList(validFields))"),
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
        let machines: [APIMachine]
        do {
            machines = try await context.api.machines()
        } catch {
            context.console.err("Error retrieving list of active machines: \(error)")
            return 1
        }
        let rows = machines.map { machine in
            columns.map { column -> String in
                switch column {
                case "machine": return MachineLegend.id(machine.id, full: listing.full)
                case "ip": return orDash(machine.primaryIP)
                default:
                    let pairs = machine.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    return orDash(pairs.joined(separator: ","))
                }
            }
        }
        context.console.write(listing.table(columns, rows: rows))
        return 0
    }
}
