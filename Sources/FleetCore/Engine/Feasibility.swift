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
