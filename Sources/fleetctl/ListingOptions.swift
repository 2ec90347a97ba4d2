import ArgumentParser

/// `--full/-l`, `--no-legend` and `--fields` of the listing commands.
struct ListingOptions: ParsableArguments, Sendable {
    @Flag(name: [.customLong("full"), .customShort("l")], help: "Do not ellipsize fields on output")
    var full = false

    @Flag(name: .customLong("no-legend"), help: "Do not print a legend (column headers)")
    var noLegend = false

    @Option(name: .customLong("fields"))
    var fields: String?

    /// The requested fields, checked against `valid`.
    /// - Throws: `FleetctlError` in the original's words for an empty list or an unknown field.
    func columns(default defaultFields: String, valid: Set<String>) throws(FleetctlError) -> [String] {
        let text = fields ?? defaultFields
        guard !text.isEmpty else { throw FleetctlError("Must define output format") }
        let columns = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for column in columns where !valid.contains(column) {
            throw FleetctlError("Invalid key in output format: \"\(column)\"")
        }
        return columns
    }

    /// The table: a header of the upper-cased field names unless `--no-legend`, then the rows,
    /// tab-aligned.
    func table(_ columns: [String], rows: [[String]]) -> String {
        var writer = TabWriter()
        if !noLegend { writer.add(cells: columns.map { $0.uppercased() }) }
        for row in rows { writer.add(cells: row) }
        return writer.render()
    }

    /// The `Valid fields are "…"` text of the usage (sorted, quoted).
    static func validList(_ valid: Set<String>) -> String {
        "\"" + valid.sorted().joined(separator: ",") + "\""
    }
}

/// An empty value prints as `-`.
func orDash(_ value: String) -> String { value.isEmpty ? "-" : value }
