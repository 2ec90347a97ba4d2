import Testing
@testable import FleetCore

/// Random clusters small enough that constraints collide often: few machines, unit names
/// sharing prefixes that the conflict patterns hit, MachineOf/Replaces pointing at each other
/// (cycles included), placements on machines that left and of units that are gone.
struct RandomCluster {
    var rng: SeededGenerator
    static let machineIDs = (0..<8).map { "m\($0)" }
    static let unitNames = ["web", "db", "cache", "job"].flatMap { p in (1...4).map { "\(p)\($0)" } }
    static let patterns = ["web*", "db?", "[cj]*", "cache1", "*2", "job[1-2]", "web[^1]"]

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs.randomElement(using: &rng)! }

    mutating func machine(_ id: String) -> MachineState {
        var metadata: [String: String] = [:]
        if chance(0.8) { metadata["region"] = pick(["east", "west", "north"]) }
        if chance(0.6) { metadata["disk"] = pick(["ssd", "hdd"]) }
        return MachineState(id: id, publicIP: "10.0.0.\(Int.random(in: 1...9, using: &rng))", metadata: metadata)
    }

    mutating func metadataRequirement() -> [String: Set<String>] {
        var r: [String: Set<String>] = [:]
        if chance(0.7) { r["region"] = Set((0..<Int.random(in: 1...2, using: &rng)).map { _ in pick(["east", "west", "north"]) }) }
        if chance(0.4) { r["disk"] = [pick(["ssd", "hdd"])] }
        return r
    }

    mutating func unit(_ name: String) -> ScheduledUnit {
        var req = UnitRequirements()
        let state: JobState = chance(0.2) ? .inactive : (chance(0.5) ? .loaded : .launched)
        if chance(0.06) {
            req.global = true
            if chance(0.5) { req.metadata = metadataRequirement() }
            if chance(0.5) { req.conflicts = [pick(Self.patterns)] }
            return ScheduledUnit(name: name, requirements: req, desiredState: state)
        }
        if chance(0.08) { req.machineID = pick(Self.machineIDs) }
        if chance(0.18) { req.machineOf = chance(0.15) ? [pick(Self.unitNames), pick(Self.unitNames)] : [pick(Self.unitNames)] }
        req.machineOf.removeAll { $0 == name }
        if chance(0.3) { req.metadata = metadataRequirement() }
        if chance(0.25) { req.conflicts = (0..<Int.random(in: 1...2, using: &rng)).map { _ in pick(Self.patterns) } }
        if chance(0.1) { req.replaces = [pick(Self.unitNames)].filter { $0 != name } }
        return ScheduledUnit(name: name, requirements: req, desiredState: state)
    }

    mutating func snapshot() -> SchedulingSnapshot {
        let machines = Self.machineIDs.filter { _ in chance(0.6) }.map { machine($0) }
        let units = Self.unitNames.filter { _ in chance(0.7) }.map { unit($0) }
        var placement: [String: String] = [:]
        for name in Self.unitNames where chance(0.4) { placement[name] = pick(Self.machineIDs) }
        return SchedulingSnapshot(machines: machines, units: units, placement: placement)
    }

    mutating func change(in snapshot: SchedulingSnapshot) -> ClusterChange {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0...3:
            return .unitUpdated(unit(pick(Self.unitNames)))
        case 4:
            // Same unit, other desired state: exercises the loaded ↔ launched shortcut.
            if var u = snapshot.units.values.sorted(by: { $0.name < $1.name }).randomElement(using: &rng) {
                u.desiredState = pick(JobState.allCases)
                return .unitUpdated(u)
            }
            return .unitUpdated(unit(pick(Self.unitNames)))
        case 5, 6:
            return .unitRemoved(pick(Self.unitNames))
        case 7, 8:
            let id = pick(Self.machineIDs)
            if let known = snapshot.machines[id], chance(0.3) {
                var ipOnly = known
                ipOnly.publicIP = "10.9.9.9"
                return .machineUpdated(ipOnly)
            }
            return .machineUpdated(machine(id))
        default:
            return .machineLeft(pick(Self.machineIDs))
        }
    }
}

/// Every way a placement can break a rule, described; empty when the snapshot is sound.
func constraintViolations(_ s: SchedulingSnapshot) -> [String] {
    var problems: [String] = []
    var on: [String: [String]] = [:]
    for (u, m) in s.placement { on[m, default: []].append(u) }
    for (name, id) in s.placement.sorted(by: { $0.key < $1.key }) {
        guard let u = s.units[name] else { problems.append("\(name): unknown unit placed"); continue }
        guard let machine = s.machines[id] else { problems.append("\(name): on absent machine \(id)"); continue }
        let req = u.requirements
        if !u.isActive { problems.append("\(name): inactive but placed") }
        if req.global { problems.append("\(name): global but placed") }
        if let want = req.machineID, want != id { problems.append("\(name): MachineID \(want) but on \(id)") }
        for (k, values) in req.metadata where !(machine.metadata[k].map(values.contains) ?? false) {
            problems.append("\(name): metadata \(k) unmet on \(id)")
        }
        for t in req.machineOf where s.placement[t] != id || s.units[t]?.isActive != true {
            problems.append("\(name): MachineOf \(t) not on \(id)")
        }
        for other in on[id]! where other != name {
            guard let o = s.units[other] else { continue }
            if req.conflicts.contains(where: { Glob($0).matches(other) }) || o.requirements.conflicts.contains(where: { Glob($0).matches(name) }) {
                problems.append("\(name): conflicts with \(other) on \(id)")
            }
            if req.replaces.contains(other) { problems.append("\(name): shares \(id) with replaced \(other)") }
        }
    }
    return problems
}

/// New placements never land where an active global unit whose metadata admits the machine
/// conflicts with them.
func globalViolations(_ plan: SchedulingPlan, _ s: SchedulingSnapshot) -> [String] {
    let globals = s.units.values.filter { $0.requirements.global && $0.isActive }
    var problems: [String] = []
    for d in plan.decisions where d.action == .place {
        let u = s.units[d.unit]!
        let m = s.machines[d.machineID]!
        for g in globals {
            let admits = g.requirements.metadata.allSatisfy { k, v in m.metadata[k].map(v.contains) ?? false }
            let conflict = u.requirements.conflicts.contains { Glob($0).matches(g.name) }
                || g.requirements.conflicts.contains { Glob($0).matches(u.name) }
            if admits && conflict { problems.append("\(u.name) placed on \(m.id) against global \(g.name)") }
        }
    }
    return problems
}

/// Active non-global units left without a machine once the plan is carried out.
func unplacedNames(_ s: SchedulingSnapshot) -> [String] {
    s.units.values.filter { $0.isActive && !$0.requirements.global && s.placement[$0.name] == nil }.map(\.name).sorted()
}

@Test(arguments: 0..<500)
func fullPassRespectsEveryConstraintAndIsStable(seed: Int) {
    var gen = RandomCluster(seed: UInt64(seed))
    let snapshot = gen.snapshot()
    let plan = Scheduler.plan(snapshot)
    let after = snapshot.applying(plan)
    #expect(constraintViolations(after) == [], "seed \(seed)")
    #expect(globalViolations(plan, snapshot) == [], "seed \(seed)")
    #expect(plan.unplacedNames == unplacedNames(after), "seed \(seed)")

    // Stability: carrying out the decisions leaves nothing to do.
    let again = Scheduler.plan(after)
    #expect(again.decisions == [], "seed \(seed)")
    #expect(again.unplaced == plan.unplaced, "seed \(seed)")

    // A valid placement is never moved: only units that were unplaced or broke a rule move.
    let kept = SchedulingSnapshot(machines: Array(after.machines.values), units: Array(after.units.values), placement: after.placement)
    #expect(Scheduler.plan(kept).decisions == [])
}

@Test(arguments: 0..<100)
func sameInputSameOutput(seed: Int) {
    var gen = RandomCluster(seed: UInt64(seed))
    let snapshot = gen.snapshot()
    // Same content, built in another order (dictionary order differs between runs and builds).
    var shuffler = SeededGenerator(seed: UInt64(seed) &+ 1000)
    let rebuilt = SchedulingSnapshot(
        machines: snapshot.machines.values.shuffled(using: &shuffler),
        units: snapshot.units.values.shuffled(using: &shuffler),
        placement: snapshot.placement)
    #expect(Scheduler.plan(snapshot) == Scheduler.plan(rebuilt), "seed \(seed)")
}

@Test(arguments: 0..<300)
func incrementalEqualsFullOverRandomChanges(seed: Int) {
    var gen = RandomCluster(seed: UInt64(seed))
    var snapshot = gen.snapshot()
    var scheduler = Scheduler(snapshot)
    snapshot = snapshot.applying(scheduler.reconcile())
    for step in 0..<40 {
        let change = gen.change(in: snapshot)
        let incremental = scheduler.apply(change)
        let next = snapshot.applying(change)
        let full = Scheduler.plan(next)
        #expect(incremental.decisions == full.decisions, "seed \(seed) step \(step): \(change)")
        snapshot = next.applying(full)
        #expect(scheduler.snapshot == snapshot, "seed \(seed) step \(step): \(change)")
        #expect(scheduler.unplacedUnits == full.unplaced, "seed \(seed) step \(step): \(change)")
        #expect(constraintViolations(snapshot) == [], "seed \(seed) step \(step)")
        #expect(Scheduler.plan(snapshot).decisions == [], "seed \(seed) step \(step): not stable")
        if incremental.decisions != full.decisions { return }
    }
}

@Test func applyBeforeReconcileFallsBackToAFullPass() {
    let snapshot = SchedulingSnapshot(machines: [machine("m1")], units: [unit("a")])
    var scheduler = Scheduler(snapshot)
    let plan = scheduler.apply(.unitUpdated(unit("b")))
    #expect(plan.lines == ["place a m1", "place b m1"])
}

@Test(arguments: 0..<100)
func conflictIndexAgreesWithMatchingEveryNeighbour(seed: Int) {
    var gen = RandomCluster(seed: UInt64(seed))
    var scheduler = Scheduler(gen.snapshot())
    // Check the index both on a raw snapshot and after changes moved units around.
    for step in 0..<6 {
        if step > 0 { _ = scheduler.apply(gen.change(in: scheduler.snapshot)) } else { _ = scheduler.reconcile() }
        for entry in scheduler.entries.values where scheduler.placement[entry.name] == nil {
            let probe = scheduler.conflictIndex.probe(for: entry)
            for id in scheduler.machines.keys {
                let neighbours = (scheduler.unitsOn[id] ?? []).compactMap { scheduler.entries[$0] }
                let expected = neighbours.contains { entry.conflicts(with: $0) }
                let number = scheduler.conflictIndex.existingNumber(id)!
                let got = scheduler.conflictIndex.blocks(probe, id, number: number, placement: scheduler.placement, entries: scheduler.entries)
                #expect(got == expected, "seed \(seed) step \(step): \(entry.name) on \(id)")
            }
        }
    }
}
