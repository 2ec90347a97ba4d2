/// A unit's `[X-Fleet]` section read as the original fleet read it, turned into the
/// scheduler's `UnitRequirements`, and checked.
///
/// Reading rules (facts from the original's `unit.go` / `job.go`):
/// - Every X-Fleet value that starts and ends with `"` is a list: split at spaces outside
///   quotes, quotes dropped (`MachineMetadata="region=us-east" "disk=ssd"`). Other values
///   are one item.
/// - Specifiers are then replaced in each item: `%n` full name, `%N` the name without the
///   type suffix (what the original substituted; fleet names carry no escapes, so this is the
///   "unescaped" name), `%p` the part before `@` (or the name without suffix), `%i` the
///   instance.
/// - Deprecated aliases are folded in: `X-ConditionMachineID` and the legacy
///   `X-ConditionMachineBootID` stand in for `MachineID` when it is absent (the first value
///   wins); `X-ConditionMachineOf`, `X-Conflicts`, `X-ConditionMachineMetadata` add to
///   `MachineOf`, `Conflicts`, `MachineMetadata`.
/// - `MachineMetadata` items are `key=value` with both sides non-empty and exactly one `=`;
///   other items are ignored (with a warning). AND across keys, OR among one key's values.
/// - `Global`: the last value decides; `true`, `yes`, `1`, `on`, `t` in any case mean true,
///   anything else false.
/// - Unknown keys are not errors: the original only warned
///   (`unrecognized requirement in [X-Fleet] section`); they land in `warnings`.
///
/// Checks (errors): Global=true with anything but MachineMetadata; Replaces with Conflicts;
/// MachineID with MachineOf or Conflicts and a MachineOf unit matching a Conflicts pattern
/// (the original's API checks); a unit that is its own MachineOf or Replaces; empty
/// MachineID/MachineOf/Conflicts/Replaces items (the original accepted them and then could
/// never place the unit); Conflicts patterns that are not valid globs. Checks across units
/// (cycles) are in `UnitRequirements.validate(_:)`.
public struct XFleetOptions: Sendable, Hashable {
    /// The section's name.
    public static let sectionName = "X-Fleet"

    /// The options the original recognised.
    public static let knownKeys: Set<String> = [
        "MachineID", "X-ConditionMachineID", "X-ConditionMachineBootID",
        "MachineOf", "X-ConditionMachineOf",
        "Conflicts", "X-Conflicts",
        "MachineMetadata", "X-ConditionMachineMetadata",
        "Global", "Replaces",
    ]

    /// What the unit asks of its machine, specifiers expanded and aliases folded in.
    public let requirements: UnitRequirements
    /// Things that were ignored, as sentences (unknown keys, malformed metadata items).
    public let warnings: [String]

    /// Reads and checks the `[X-Fleet]` section of a unit.
    /// - Parameters:
    ///   - unitFile: the unit's contents.
    ///   - name: the unit's name, for specifiers and self-reference checks; nil leaves
    ///     specifiers as written (as the original did for a name it could not parse).
    /// - Throws: `UnitRequirementsError` for the invalid combinations listed on the type.
    public init(unitFile: UnitFile, name: UnitName?) throws(UnitRequirementsError) {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for option in unitFile.options where option.section == Self.sectionName {
            if values[option.name] == nil {
                order.append(option.name)
                values[option.name] = []
            }
            for item in Self.splitMultivalue(option.value) {
                values[option.name]!.append(name.map { Self.expandSpecifiers(item, name: $0) } ?? item)
            }
        }

        var warnings: [String] = []
        for key in order where !Self.knownKeys.contains(key) {
            warnings.append("unrecognized requirement in [X-Fleet] section: \"\(key)\"")
        }
        let unit = name?.rawValue
        func fail(_ kind: UnitRequirementsError.Kind) -> UnitRequirementsError {
            UnitRequirementsError(unit: unit, kind: kind)
        }
        func list(_ keys: String...) throws(UnitRequirementsError) -> [String] {
            var out: [String] = []
            for key in keys {
                for v in values[key] ?? [] {
                    guard !v.isEmpty else { throw fail(.emptyValue(option: key)) }
                    if !out.contains(v) { out.append(v) }
                }
            }
            return out
        }

        var machineID: String?
        for key in ["MachineID", "X-ConditionMachineID", "X-ConditionMachineBootID"] {
            if let first = values[key]?.first {
                guard !first.isEmpty else { throw fail(.emptyValue(option: key)) }
                machineID = first
                break
            }
        }
        let machineOf = try list("X-ConditionMachineOf", "MachineOf")
        let conflicts = try list("X-Conflicts", "Conflicts")
        let replaces = try list("Replaces")

        var metadata: [String: Set<String>] = [:]
        for key in ["X-ConditionMachineMetadata", "MachineMetadata"] {
            for item in values[key] ?? [] {
                let parts = item.split(separator: "=", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    warnings.append("ignored \(key) item \"\(item)\": expected key=value")
                    continue
                }
                metadata[String(parts[0]), default: []].insert(String(parts[1]))
            }
        }
        let global = values["Global"]?.last.map(Self.isTruthy) ?? false

        var globs: [Glob] = []
        for pattern in conflicts {
            let glob = Glob(pattern)
            guard glob.isValid else { throw fail(.badConflictsPattern(pattern)) }
            globs.append(glob)
        }
        // As the original documented: with Global=true only MachineMetadata and Conflicts.
        if global {
            var others: [String] = []
            if machineID != nil { others.append("MachineID") }
            if !machineOf.isEmpty { others.append("MachineOf") }
            if !replaces.isEmpty { others.append("Replaces") }
            if !others.isEmpty { throw fail(.globalWithOtherOptions(others)) }
        }
        if !replaces.isEmpty && !conflicts.isEmpty { throw fail(.replacesWithConflicts) }
        if machineID != nil && !machineOf.isEmpty { throw fail(.machineIDWithMachineOf) }
        if machineID != nil && !conflicts.isEmpty { throw fail(.machineIDWithConflicts) }
        for peer in machineOf {
            if let glob = globs.first(where: { $0.matches(peer) }) {
                throw fail(.machineOfMatchesConflict(unit: peer, pattern: glob.pattern))
            }
        }
        if let unit {
            if machineOf.contains(unit) { throw fail(.circularMachineOf([unit, unit])) }
            if replaces.contains(unit) { throw fail(.circularReplaces([unit, unit])) }
        }

        self.requirements = UnitRequirements(
            machineID: machineID, machineOf: machineOf, metadata: metadata,
            conflicts: conflicts, global: global, replaces: replaces)
        self.warnings = warnings
    }

    /// Splits a quoted list value as the original's `parseMultivalueLine` did: only when the
    /// value starts and ends with `"`; then each space outside quotes ends an item (two
    /// spaces give an empty item) and every `"` is dropped.
    /// - Parameter value: an option value.
    /// - Returns: the items.
    public static func splitMultivalue(_ value: String) -> [String] {
        let bytes = Array(value.utf8)
        guard bytes.count >= 1, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else {
            return [value]
        }
        var items: [String] = []
        var current: [UInt8] = []
        var quoted = false
        for b in bytes {
            if b == UInt8(ascii: "\"") {
                quoted.toggle()
                continue
            }
            if b == UInt8(ascii: " ") && !quoted {
                items.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
                continue
            }
            current.append(b)
        }
        items.append(String(decoding: current, as: UTF8.self))
        return items
    }

    /// Replaces `%n`, `%N`, `%p`, `%i` (see the type's documentation); any other `%x` stays.
    /// - Parameters:
    ///   - value: the text.
    ///   - name: the unit's name.
    /// - Returns: the expanded text.
    public static func expandSpecifiers(_ value: String, name: UnitName) -> String {
        guard value.utf8.contains(UInt8(ascii: "%")) else { return value }
        var out = ""
        var it = value.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar?
        while let c = pending ?? it.next() {
            pending = nil
            guard c == "%" else {
                out.unicodeScalars.append(c)
                continue
            }
            guard let next = it.next() else {
                out.unicodeScalars.append(c)
                break
            }
            switch next {
            case "n": out += name.rawValue
            case "N": out += name.nameWithoutSuffix
            case "p": out += name.prefix
            case "i": out += name.instance ?? ""
            default:
                out.unicodeScalars.append(c)
                pending = next  // `%%n`: the second `%` may start a specifier
            }
        }
        return out
    }

    /// The original's `isTruthyValue`.
    static func isTruthy(_ value: String) -> Bool {
        switch value.lowercased() {
        case "true", "yes", "1", "on", "t": true
        default: false
        }
    }
}

extension UnitRequirements {
    /// The requirements of a unit's `[X-Fleet]` section, checked (warnings dropped; use
    /// `XFleetOptions` to see them).
    /// - Parameters:
    ///   - unitFile: the unit's contents.
    ///   - name: the unit's name, for specifiers.
    /// - Throws: `UnitRequirementsError`.
    public init(unitFile: UnitFile, name: UnitName?) throws(UnitRequirementsError) {
        self = try XFleetOptions(unitFile: unitFile, name: name).requirements
    }
}
