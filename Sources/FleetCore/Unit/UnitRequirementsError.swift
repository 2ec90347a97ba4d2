/// Why a unit's `[X-Fleet]` options, or a set of units' options together, are invalid.
public struct UnitRequirementsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Hashable {
        /// `Global=true` together with the named options (only MachineMetadata and Conflicts may go with it).
        case globalWithOtherOptions([String])
        /// `Replaces=` together with `Conflicts=`.
        case replacesWithConflicts
        /// `MachineID=` together with `MachineOf=` (the original's "cannot be used with Peers").
        case machineIDWithMachineOf
        /// `MachineID=` together with `Conflicts=`.
        case machineIDWithConflicts
        /// A `MachineOf=` unit matches one of the unit's own `Conflicts=` patterns.
        case machineOfMatchesConflict(unit: String, pattern: String)
        /// An option whose value is empty (or an empty item of a quoted list).
        case emptyValue(option: String)
        /// A `Conflicts=` pattern that is not a valid glob.
        case badConflictsPattern(String)
        /// Units that follow each other round in a circle through `MachineOf=`.
        case circularMachineOf([String])
        /// Units that replace each other round in a circle through `Replaces=`.
        case circularReplaces([String])
    }

    /// The unit concerned, when known (cycles name all their units in `kind`).
    public let unit: String?
    /// What is wrong.
    public let kind: Kind

    /// - Parameters:
    ///   - unit: the unit concerned, if known.
    ///   - kind: what is wrong.
    public init(unit: String?, kind: Kind) {
        self.unit = unit
        self.kind = kind
    }

    /// A sentence naming the unit and the options.
    public var description: String {
        let what: String
        switch kind {
        case .globalWithOtherOptions(let others):
            what = "Global=true cannot be used with \(others.joined(separator: ", ")) (only MachineMetadata and Conflicts)"
        case .replacesWithConflicts:
            what = "Replaces cannot be used with Conflicts"
        case .machineIDWithMachineOf:
            what = "MachineID cannot be used with MachineOf"
        case .machineIDWithConflicts:
            what = "MachineID cannot be used with Conflicts"
        case .machineOfMatchesConflict(let peer, let pattern):
            what = "unresolvable requirements: MachineOf unit \"\(peer)\" matches Conflicts pattern \"\(pattern)\""
        case .emptyValue(let option):
            what = "\(option)= has an empty value"
        case .badConflictsPattern(let pattern):
            what = "Conflicts pattern \"\(pattern)\" is not a valid glob"
        case .circularMachineOf(let cycle):
            what = "circular MachineOf: \(cycle.joined(separator: " -> "))"
        case .circularReplaces(let cycle):
            what = "circular Replaces: \(cycle.joined(separator: " -> "))"
        }
        if let unit { return "unit \(unit): \(what)" }
        return what
    }
}
