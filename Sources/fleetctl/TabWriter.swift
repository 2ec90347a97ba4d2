/// Aligns tab-separated rows as Go's `text/tabwriter` does with fleetctl's settings
/// `(minwidth 0, tabwidth 8, padding 1, padchar '\t', flags 0)`: cells are padded with tab
/// characters. A column's width is the widest cell of its block plus one, rounded up to a
/// multiple of 8; a block is a run of consecutive lines that have that column. The last cell
/// of a line is not padded.
struct TabWriter {
    static let tabWidth = 8
    static let padding = 1

    private var lines: [[String]] = []

    /// Adds one line; `\t` separates cells.
    mutating func add(_ line: String) {
        lines.append(line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
    }

    /// Adds one row of cells.
    mutating func add(cells: [String]) {
        lines.append(cells)
    }

    /// The aligned text, one `\n` after each line.
    func render() -> String {
        var widths: [Int] = []
        var output = ""
        format(&output, &widths, from: 0, to: lines.count, column: 0)
        return output
    }

    private func format(_ output: inout String, _ widths: inout [Int], from start: Int, to end: Int, column: Int) {
        var line0 = start
        var this = start
        while this < end {
            // Does this line have a tab-terminated cell in `column`?
            guard column < lines[this].count - 1 else {
                this += 1
                continue
            }
            write(&output, widths, from: line0, to: this)
            line0 = this
            var width = 0
            while this < end, column < lines[this].count - 1 {
                width = max(width, lines[this][column].unicodeScalars.count + Self.padding)
                this += 1
            }
            widths.append(width)
            format(&output, &widths, from: line0, to: this, column: column + 1)
            widths.removeLast()
            line0 = this
        }
        write(&output, widths, from: line0, to: end)
    }

    private func write(_ output: inout String, _ widths: [Int], from start: Int, to end: Int) {
        guard start < end else { return }
        for line in lines[start..<end] {
            for (index, cell) in line.enumerated() {
                output += cell
                guard index < line.count - 1 else { break }
                let cellWidth = (widths[index] + Self.tabWidth - 1) / Self.tabWidth * Self.tabWidth
                let pad = cellWidth - cell.unicodeScalars.count
                output += String(repeating: "\t", count: (pad + Self.tabWidth - 1) / Self.tabWidth)
            }
            output += "\n"
        }
    }
}
