/// Why a machine cannot take a unit: the reason one feasibility checker gives.
public enum Ineligibility: Sendable, Hashable, CustomStringConvertible {
    /// `MachineID=` names another machine.
    case machineID(required: String)
    /// The machine lacks a value `MachineMetadata=` asks for.
    case metadata(key: String)
    /// A unit that replaces this one is scheduled there.
    case replacedBy(String)
    /// A unit this one replaces is scheduled there.
    case replacedUnitThere(String)
    /// A unit scheduled there conflicts with this one (in either direction).
    case conflict(String)
    /// A global unit that runs there (or may) conflicts with this one.
    case globalConflict(String)
    /// Global eligibility was asked of something that is not an active global unit on a known machine.
    case globalNotApplicable(String)

    public var description: String {
        switch self {
        case .machineID(let id): "MachineID requires machine \(id.prefix(8))"
        case .metadata(let key): "machine does not satisfy MachineMetadata \(key)=…"
        case .replacedBy(let r): "\(r), which replaces it, is scheduled there"
        case .replacedUnitThere(let x): "\(x), which it replaces, is scheduled there"
        case .conflict(let w): "conflicts with \(w) scheduled there"
        case .globalConflict(let g): "conflicts with global unit \(g)"
        case .globalNotApplicable(let message): message
        }
    }

    /// The reason without naming what is scheduled on the machine, for reports that must not
    /// change every time an unrelated unit lands there.
    var summary: String {
        switch self {
        case .machineID: "it does not match MachineID"
        case .metadata: "it does not satisfy MachineMetadata"
        case .replacedBy, .replacedUnitThere, .conflict, .globalConflict: "it is ruled out by Conflicts or Replaces"
        case .globalNotApplicable(let message): message
        }
    }
}

/// A checker's answer: the machine may take the unit, or not and why.
public enum Verdict: Sendable, Hashable {
    /// The machine may take the unit.
    case eligible
    /// The machine may not take the unit.
    case ineligible(Ineligibility)

    /// True for `.eligible`.
    public var isEligible: Bool { if case .eligible = self { true } else { false } }
}

/// The scheduler's view of one unit, with its patterns compiled and its name split into
/// scalars once so that conflict checks allocate nothing.
struct UnitEntry: Sendable {
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

/// The feasibility checkers: each looks at one `[X-Fleet]` option and returns a verdict with
/// its reason (fleet's `AbleToRun`, Nomad's `FeasibilityChecker`). All are pure.
enum Feasibility {
    /// `MachineID=`: only the named machine.
    static func machineID(_ unit: UnitEntry, _ machine: MachineState) -> Verdict {
        guard let required = unit.requirements.machineID, required != machine.id else { return .eligible }
        return .ineligible(.machineID(required: required))
    }

    /// `MachineMetadata=`: every key must be present with one of its accepted values.
    static func metadata(_ requirement: [String: Set<String>], _ machine: MachineState) -> Verdict {
        // Sorted keys only matter for which key a failure names; do that work on failure only.
        for (key, values) in requirement {
            guard let value = machine.metadata[key], values.contains(value) else {
                let first = requirement.keys.sorted().first { k in
                    guard let v = machine.metadata[k], requirement[k]!.contains(v) else { return true }
                    return false
                }
                return .ineligible(.metadata(key: first ?? key))
            }
        }
        return .eligible
    }

    /// `Replaces=`: a unit never shares a machine with one it replaces or one replacing it.
    /// - Parameters:
    ///   - replacersThere: units scheduled on the machine that replace `unit`.
    ///   - replacedThere: units scheduled on the machine that `unit` replaces (and may not take over).
    static func replacement<A: Collection<String>, B: Collection<String>>(replacersThere: A, replacedThere: B) -> Verdict {
        if let r = replacersThere.min() { return .ineligible(.replacedBy(r)) }
        if let x = replacedThere.min() { return .ineligible(.replacedUnitThere(x)) }
        return .eligible
    }

    /// `Conflicts=` against the units scheduled on the machine, in both directions.
    /// - Parameter scheduled: the other units scheduled there.
    static func conflicts<S: Sequence<UnitEntry>>(_ unit: UnitEntry, scheduled: S) -> Verdict {
        var offender: String?
        for other in scheduled where unit.conflicts(with: other) {
            if offender.map({ other.name < $0 }) ?? true { offender = other.name }
        }
        return offender.map { .ineligible(.conflict($0)) } ?? .eligible
    }

    /// `Conflicts=` against global units: a global unit whose metadata admits the machine counts
    /// as running there, so no new unit conflicting with it is placed there.
    /// - Parameter globals: active global units that conflict with `unit`, sorted by name.
    static func globalConflicts(_ globals: [UnitEntry], _ machine: MachineState) -> Verdict {
        for g in globals where metadata(g.requirements.metadata, machine).isEligible {
            return .ineligible(.globalConflict(g.name))
        }
        return .eligible
    }
}
