/// Which machines host units that a `Conflicts=` pattern is about, so the least-loaded search
/// can skip a machine with a few array lookups instead of matching globs against everything
/// scheduled there. Exact: it says "blocked" only for a real conflict.
///
/// Machines are counted under a number given on first sight and never reused, so counts need
/// no remapping when machines come and go, and a lookup hashes nothing.
///
/// Wildcard patterns are indexed per distinct pattern (units of one family, `web@*`, share
/// one); literal patterns need no index, as they name one unit.
/// Counts cover units that are both scheduled and known.
struct ConflictIndex: Sendable {
    fileprivate struct Pattern: Sendable {
        let glob: Glob
        /// Machine number → scheduled units whose name the pattern matches.
        var matchingOn: [Int] = []
        /// Machine number → scheduled units that carry the pattern.
        var holdersOn: [Int] = []
        /// Known units carrying the pattern.
        var references = 0
    }

    private var patterns: [String: Pattern] = [:]
    /// Unit name → known units whose literal pattern names it.
    private var literalHolders: [String: Set<String>] = [:]
    private var numbers: [String: Int] = [:]

    /// The machine's number, given on first sight.
    mutating func number(_ machine: String) -> Int {
        if let n = numbers[machine] { return n }
        let n = numbers.count
        numbers[machine] = n
        return n
    }

    /// The machine's number if it has one.
    func existingNumber(_ machine: String) -> Int? { numbers[machine] }

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
                    if let other = entries[unit], glob.matches(scalars: other.scalars) { Self.bump(&p.matchingOn, number(m), 1) }
                }
                patterns[glob.pattern] = p
            }
            patterns[glob.pattern]!.references += 1
            if let machine { Self.bump(&patterns[glob.pattern]!.holdersOn, number(machine), 1) }
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
            if let machine { Self.bump(&p.holdersOn, number(machine), -1) }
            patterns[glob.pattern] = p
        }
    }

    /// A known unit was scheduled on a machine.
    mutating func attach(_ entry: UnitEntry, to machine: String) {
        count(entry, on: machine, by: 1)
        let n = number(machine)
        for glob in entry.wildcardPatterns { Self.bump(&patterns[glob.pattern]!.holdersOn, n, 1) }
    }

    /// A known unit was unscheduled from a machine.
    mutating func detach(_ entry: UnitEntry, from machine: String) {
        count(entry, on: machine, by: -1)
        let n = number(machine)
        for glob in entry.wildcardPatterns { Self.bump(&patterns[glob.pattern]!.holdersOn, n, -1) }
    }

    private mutating func count(_ entry: UnitEntry, on machine: String, by delta: Int) {
        guard !patterns.isEmpty else { return }
        let n = number(machine)
        // Collect first: mutating the dictionary while iterating it would copy it.
        let matching = patterns.compactMap { $0.value.glob.matches(scalars: entry.scalars) ? $0.key : nil }
        for key in matching { Self.bump(&patterns[key]!.matchingOn, n, delta) }
    }

    private static func bump(_ counts: inout [Int], _ machine: Int, _ delta: Int) {
        if machine >= counts.count { counts += repeatElement(0, count: machine + 1 - counts.count) }
        counts[machine] += delta
    }

    /// What to look up for one unit during one search.
    struct Probe {
        fileprivate var forward: [Pattern] = []
        fileprivate var forwardLiterals: [String] = []
        fileprivate var reverse: [Pattern] = []
        fileprivate var reverseHolders: [String] = []
    }

    /// Prepares the lookups for a unit that is not scheduled.
    func probe(for entry: UnitEntry) -> Probe {
        var probe = Probe()
        // Copies share storage with the index (copy on write), and nothing changes during a search.
        probe.forward = entry.wildcardPatterns.compactMap { patterns[$0.pattern] }
        probe.forwardLiterals = entry.literalNames
        for p in patterns.values where p.glob.matches(scalars: entry.scalars) { probe.reverse.append(p) }
        probe.reverseHolders = Array(literalHolders[entry.name] ?? [])
        return probe
    }

    /// Whether some unit scheduled on `machine` (whose number is `number`) conflicts with the
    /// probed unit.
    func blocks(_ probe: Probe, _ machine: String, number: Int, placement: [String: String], entries: [String: UnitEntry]) -> Bool {
        for p in probe.forward where number < p.matchingOn.count && p.matchingOn[number] > 0 { return true }
        for p in probe.reverse where number < p.holdersOn.count && p.holdersOn[number] > 0 { return true }
        for name in probe.forwardLiterals where placement[name] == machine && entries[name] != nil { return true }
        for name in probe.reverseHolders where placement[name] == machine { return true }
        return false
    }
}
