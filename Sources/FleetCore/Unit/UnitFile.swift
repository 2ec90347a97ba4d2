/// A unit file's contents: its options in file order, with the canonical serialization and
/// hash of SPEC §1.
///
/// Immutable, like a unit in the cluster. Build one by parsing text
/// (`UnitFile(parsing:)`) or from API options (`UnitFile(options:)`).
public struct UnitFile: Sendable, Hashable {
    /// The options in the order they appear (repeated keys kept, in order).
    public let options: [UnitOption]
    /// SHA-1 of `canonicalBytes`; equal to the original fleet's hash of the same file.
    public let hash: UnitHash

    /// Wraps options as they are (API input); nothing is trimmed or re-parsed.
    /// - Parameter options: the options, in order.
    public init(options: [UnitOption]) {
        self.options = options
        self.hash = UnitHash(hashing: Self.canonicalBytes(of: options))
    }

    /// Wraps options from the API after the original's sanity check: their canonical
    /// serialization must parse back as a unit file (no over-long line, no empty section or
    /// option name, no line break inside a section or option name).
    /// - Parameter options: the options, in order.
    /// - Throws: `UnitFileError` from parsing the serialization (its line numbers refer to
    ///   the canonical text).
    public init(validatingOptions options: [UnitOption]) throws(UnitFileError) {
        self.init(options: options)
        var parser = UnitFileParser(bytes: canonicalBytes)
        _ = try parser.parse()
    }

    /// Parses unit-file text (systemd syntax, with go-systemd's value rules; see
    /// `UnitFileParser` for the exact rules and the few deliberate deviations).
    /// - Parameter contents: the file's text.
    /// - Throws: `UnitFileError` naming the line and what is wrong.
    public init(parsing contents: String) throws(UnitFileError) {
        var parser = UnitFileParser(contents)
        self.init(options: try parser.parse())
    }

    /// The canonical serialization as bytes: sections in order of first appearance, each
    /// `[Name]\n` then `Key=Value\n` per option in order (options of a section that appears
    /// twice are grouped under its first appearance), a blank line between sections, none
    /// after the last. No options: empty. This is go-systemd's `unit.Serialize`.
    public var canonicalBytes: [UInt8] { Self.canonicalBytes(of: options) }

    /// The canonical serialization as text (what `fleetctl cat` prints).
    public var serialized: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// The values of every `name=` option in `section`, in order.
    /// - Parameters:
    ///   - section: the section name without brackets.
    ///   - name: the option name.
    /// - Returns: the values, possibly empty.
    public func values(section: String, name: String) -> [String] {
        options.compactMap { $0.section == section && $0.name == name ? $0.value : nil }
    }

    /// The first `Description=` of `[Unit]`, or nil when there is none (as the original,
    /// which showed the first one in `list-unit-files`).
    public var unitDescription: String? {
        options.first { $0.section == "Unit" && $0.name == "Description" }?.value
    }

    /// Whether the unit has options in an `[Install]` section: the agent enables such units.
    /// An `[Install]` header with no options does not count, as in the original, whose view of
    /// a unit was built from its options.
    public var hasInstallSection: Bool {
        options.contains { $0.section == "Install" }
    }

    static func canonicalBytes(of options: [UnitOption]) -> [UInt8] {
        guard !options.isEmpty else { return [] }
        var out: [UInt8] = []
        var capacity = 0
        for o in options { capacity += o.name.utf8.count + o.value.utf8.count + 2 }
        out.reserveCapacity(capacity + 64)

        // Sections in order of first appearance. Most files have each section once, in one
        // run, so only fall back to grouping when a section comes back later.
        var order: [String] = []
        var runsContiguous = true
        for o in options where order.last != o.section {
            if order.contains(o.section) { runsContiguous = false }
            order.append(o.section)
        }

        func appendSection(_ section: String, _ members: some Sequence<UnitOption>, first: Bool) {
            if !first { out.append(UInt8(ascii: "\n")) }
            out.append(UInt8(ascii: "["))
            out.append(contentsOf: section.utf8)
            out.append(contentsOf: "]\n".utf8)
            for o in members {
                out.append(contentsOf: o.name.utf8)
                out.append(UInt8(ascii: "="))
                out.append(contentsOf: o.value.utf8)
                out.append(UInt8(ascii: "\n"))
            }
        }

        if runsContiguous {
            var start = 0
            var first = true
            while start < options.count {
                var stop = start + 1
                while stop < options.count && options[stop].section == options[start].section { stop += 1 }
                appendSection(options[start].section, options[start..<stop], first: first)
                first = false
                start = stop
            }
        } else {
            var seen: [String] = []
            for section in order where !seen.contains(section) {
                seen.append(section)
                appendSection(section, options.lazy.filter { $0.section == section }, first: seen.count == 1)
            }
        }
        return out
    }
}
