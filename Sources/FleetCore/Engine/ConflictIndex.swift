/// Which machines host units that a `Conflicts=` pattern is about, so the least-loaded search
/// can skip a machine with a few hash lookups instead of matching globs against everything
/// scheduled there. Exact: it says "blocked" only for a real conflict.
///
/// Wildcard patterns are indexed per distinct pattern (units of one family, `web@*`, share
/// one); literal patterns need no index, as they name one unit.
/// Counts cover units that are both scheduled and known.
struct ConflictIndex: Sendable {
    private struct Pattern: Sendable {
        let glob: Glob
        /// Machine → scheduled units whose name the pattern matches.
        var matchingOn: [String: Int] = [:]
        /// Machine → scheduled units that carry the pattern.
        var holdersOn: [String: Int] = [:]
        /// Known units carrying the pattern.
        var references = 0
    }

    private var patterns: [String: Pattern] = [:]
    /// Unit name → known units whose literal pattern names it.
    private var literalHolders: [String: Set<String>] = [:]

    /// Registers a unit's patterns.
    /// - Parameters:
    ///   - machine: where the unit is scheduled, if it is.
    ///   - placement, entries: the scheduler's, to index a pattern seen for the first time.
    mutating func insert(_ entry: UnitEntry, on machine: String?, placement: [String: String], entries: [String: UnitEntry]) {
        for name in entry.literalNames { literalHolders[name, default: []].insert(entry.name) }
        for glob in entry.wildcardPatterns {
            if patterns[glob.pattern] == nil {
                var p = Pattern(glob: glob)
                for (unit, m) in placement where unit != entry.name {
                    if let other = entries[unit], glob.matches(scalars: other.scalars) { p.matchingOn[m, default: 0] += 1 }
                }
                patterns[glob.pattern] = p
            }
            patterns[glob.pattern]!.references += 1
            if let machine { Self.bump(&patterns[glob.pattern]!.holdersOn, machine, 1) }
        }
        if let machine { count(entry, on: machine, by: 1) }
    }

    /// Forgets a unit's patterns (and its own presence, if it is scheduled).
    mutating func remove(_ entry: UnitEntry, on machine: String?) {
        if let machine { count(entry, on: machine, by: -1) }
        for name in entry.literalNames {
            literalHolders[name]?.remove(entry.name)
            if literalHolders[name]?.isEmpty == true { literalHolders[name] = nil }
        }
        for glob in entry.wildcardPatterns {
            guard var p = patterns[glob.pattern] else { continue }
            p.references -= 1
            if p.references == 0 {
                patterns[glob.pattern] = nil
                continue
            }
            if let machine { Self.bump(&p.holdersOn, machine, -1) }
            patterns[glob.pattern] = p
        }
    }

    /// A known unit was scheduled on a machine.
    mutating func attach(_ entry: UnitEntry, to machine: String) {
        count(entry, on: machine, by: 1)
        for glob in entry.wildcardPatterns { Self.bump(&patterns[glob.pattern]!.holdersOn, machine, 1) }
    }

    /// A known unit was unscheduled from a machine.
    mutating func detach(_ entry: UnitEntry, from machine: String) {
        count(entry, on: machine, by: -1)
        for glob in entry.wildcardPatterns { Self.bump(&patterns[glob.pattern]!.holdersOn, machine, -1) }
    }

    private mutating func count(_ entry: UnitEntry, on machine: String, by delta: Int) {
        for key in patterns.keys where patterns[key]!.glob.matches(scalars: entry.scalars) {
            Self.bump(&patterns[key]!.matchingOn, machine, delta)
        }
    }

    private static func bump(_ counts: inout [String: Int], _ machine: String, _ delta: Int) {
        let n = (counts[machine] ?? 0) + delta
        counts[machine] = n > 0 ? n : nil
    }

    /// What to look up for one unit during one search.
    struct Probe {
        fileprivate var forward: [String] = []
        fileprivate var forwardLiterals: [String] = []
        fileprivate var reverse: [String] = []
        fileprivate var reverseHolders: [String] = []
    }

    /// Prepares the lookups for a unit that is not scheduled.
    func probe(for entry: UnitEntry) -> Probe {
        var probe = Probe()
        probe.forward = entry.wildcardPatterns.map(\.pattern)
        probe.forwardLiterals = entry.literalNames
        for (key, p) in patterns where p.glob.matches(scalars: entry.scalars) { probe.reverse.append(key) }
        probe.reverseHolders = Array(literalHolders[entry.name] ?? [])
        return probe
    }

    /// Whether some unit scheduled on `machine` conflicts with the probed unit.
    func blocks(_ probe: Probe, _ machine: String, placement: [String: String], entries: [String: UnitEntry]) -> Bool {
        for key in probe.forward where patterns[key]?.matchingOn[machine] != nil { return true }
        for key in probe.reverse where patterns[key]?.holdersOn[machine] != nil { return true }
        for name in probe.forwardLiterals where placement[name] == machine && entries[name] != nil { return true }
        for name in probe.reverseHolders where placement[name] == machine { return true }
        return false
    }
}
