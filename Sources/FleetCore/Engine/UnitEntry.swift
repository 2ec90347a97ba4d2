/// The scheduler's view of one unit, with its patterns compiled and its name split into
/// scalars once so that conflict checks allocate nothing.
final class UnitEntry: Sendable {
    let unit: ScheduledUnit
    let scalars: [Unicode.Scalar]
    let conflicts: [Glob]
    let replaces: Set<String>
    let machineOf: [String]
    /// Distinct valid wildcard patterns, for `ConflictIndex`.
    let wildcardPatterns: [Glob]
    /// Names that literal (wildcard-free) patterns match, for `ConflictIndex`.
    let literalNames: [String]

    init(_ unit: ScheduledUnit) {
        self.unit = unit
        scalars = Array(unit.name.unicodeScalars)
        conflicts = unit.requirements.conflicts.map(Glob.init)
        var seen: Set<String> = []
        wildcardPatterns = conflicts.filter { $0.isValid && $0.literalName == nil && seen.insert($0.pattern).inserted }
        literalNames = Array(Set(conflicts.compactMap(\.literalName))).sorted()
        replaces = Set(unit.requirements.replaces)
        machineOf = unit.requirements.machineOf.sorted()
    }

    var name: String { unit.name }
    var requirements: UnitRequirements { unit.requirements }
    var isActive: Bool { unit.isActive }
    var isGlobal: Bool { unit.requirements.global }
    /// Only active, non-global units are placed by the engine.
    var isPlaceable: Bool { isActive && !isGlobal }

    /// `Conflicts=` in both directions: either unit's patterns match the other's name.
    func conflicts(with other: UnitEntry) -> Bool {
        if other.unit.name == unit.name { return false }
        for g in conflicts where g.matches(scalars: other.scalars) { return true }
        for g in other.conflicts where g.matches(scalars: scalars) { return true }
        return false
    }

    /// Whether a change to `other` (moving, leaving, appearing) can change where this unit may
    /// go: they conflict, one replaces the other, or `other` is this unit's MachineOf target.
    func isRelated(to other: UnitEntry) -> Bool {
        replaces.contains(other.name) || other.replaces.contains(unit.name)
            || machineOf.contains(other.name) || conflicts(with: other)
    }
}
