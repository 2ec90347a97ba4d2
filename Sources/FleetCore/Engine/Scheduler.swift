/// The engine's scheduler: decides which machine each non-global unit runs on.
///
/// Two entry points give the same answers:
/// - `Scheduler.plan(_:)`, a pure function from a `SchedulingSnapshot` to a `SchedulingPlan`;
/// - a `Scheduler` value kept by the engine as an index of the cluster, updated with
///   `apply(_:)` for each `ClusterChange`, which decides only what that change affects. Its
///   result equals `plan(_:)` on the resulting snapshot (the property tests check this).
///
/// Everything here is synchronous, deterministic and free of I/O, clocks and randomness.
///
/// The rules, in the order a pass applies them:
/// 1. **Validate** current placements (fleet's "no churn": a valid placement stays). A unit is
///    unscheduled when its machine left, it is gone, inactive or global, its MachineID or
///    MachineMetadata no longer holds, its MachineOf target is not on its machine; then, per
///    machine in name order, when it conflicts with a unit kept before it or a unit replacing
///    it is there. Unscheduling a unit unschedules its MachineOf followers with it.
/// 2. **Place** the active units left without a machine, in name order: a MachineOf follower
///    goes to its target's machine; a unit with `Replaces=` takes the machine of the unit it
///    replaces, which is then moved (units on a Replaces cycle take over nothing);
///    any other unit goes to the least-loaded eligible machine, ties broken by smallest machine
///    ID. Load is the number of units scheduled on a machine, counting this pass's placements.
///    When a placement moves units away, the units that could use the room are tried again.
///
/// Global units are never placed by the engine; each agent asks `globalEligibility`. For
/// placing other units, a global unit counts as running on every machine its metadata admits.
///
/// To keep an index in step: build it from a snapshot, call `reconcile()` once, carry out
/// the decisions, then feed each change to `apply(_:)` and carry out its decisions. If carrying
/// them out fails, rebuild from a fresh snapshot.
public struct Scheduler: Sendable {
    var machines: [String: MachineState] = [:]
    var entries: [String: UnitEntry] = [:]
    /// Unit → machine, for every unit the index believes scheduled.
    var placement: [String: String] = [:]
    /// Machine → units scheduled there (also for machines that left, until validated).
    var unitsOn: [String: Set<String>] = [:]
    /// Machine → units scheduled there that carry `Conflicts=` patterns.
    var conflictHoldersOn: [String: Set<String>] = [:]
    /// Machines hosting what each `Conflicts=` pattern is about.
    var conflictIndex = ConflictIndex()
    /// MachineOf target name → names of units following it (whether or not the target exists).
    var followers: [String: Set<String>] = [:]
    /// Replaced unit name → names of units replacing it.
    var replacers: [String: Set<String>] = [:]
    /// Active global units, by name.
    var activeGlobals: [String: UnitEntry] = [:]
    /// Active non-global units without a machine → why.
    var unplacedReasons: [String: String] = [:]
    var index: MachineIndex
    /// True once a full pass ran and every later change went through `apply(_:)`.
    var settled = false

    /// Builds the index from a snapshot without deciding anything; call `reconcile()` next.
    /// - Parameter snapshot: the cluster as read from the registry.
    public init(_ snapshot: SchedulingSnapshot) {
        machines = snapshot.machines
        index = MachineIndex(machines: [:], load: { _ in 0 }, number: { _ in 0 })
        for unit in snapshot.units.values { insertEntry(UnitEntry(unit)) }
        for (unit, machine) in snapshot.placement { attach(unit, to: machine) }
        rebuildMachineIndex()
    }

    /// Decides, from scratch, every placement change a snapshot needs.
    /// - Parameter snapshot: the cluster.
    /// - Returns: the decisions, and the active units that cannot be placed.
    public static func plan(_ snapshot: SchedulingSnapshot) -> SchedulingPlan {
        var scheduler = Scheduler(snapshot)
        return scheduler.reconcile()
    }

    /// A full pass over the index: validates every placement and places every unplaced unit.
    /// The index then holds the result, as if the decisions were carried out.
    /// - Returns: the decisions and every active unit left without a machine.
    public mutating func reconcile() -> SchedulingPlan {
        var pass = SchedulingPass()
        unplacedReasons = [:]
        for entry in entries.values where entry.isPlaceable && placement[entry.name] == nil {
            unplacedReasons[entry.name] = "not yet considered"
        }
        validate(units: placement.keys.sorted(), machines: unitsOn.keys.sorted(), &pass)
        place(Array(unplacedReasons.keys), &pass)
        settled = true
        return pass.plan(self)
    }

    /// Takes one change into the index and decides what it calls for, looking only at the units
    /// and machines it can affect. Equal to `plan(_:)` on the resulting snapshot.
    /// - Parameter change: what happened.
    /// - Returns: the decisions, and the active units examined that remain unplaced.
    public mutating func apply(_ change: ClusterChange) -> SchedulingPlan {
        guard settled else {
            absorb(change)
            return reconcile()
        }
        var pass = SchedulingPass()
        var validateUnits: [String] = []
        var validateMachines: [String] = []
        var roundOne: [String] = []
        var touched: [UnitEntry] = []
        var retryAll = false
        var chainRoots: [String] = []
        switch change {
        case .unitUpdated(let unit):
            let old = entries[unit.name]
            if let old, old.unit == unit { return SchedulingPlan() }
            if let old, old.requirements == unit.requirements, old.isActive == unit.isActive {
                // loaded ↔ launched: same machine either way.
                absorb(change)
                return SchedulingPlan()
            }
            absorb(change)
            let new = entries[unit.name]!
            if let m = placement[unit.name] {
                validateUnits = [unit.name]
                validateMachines = [m]
            } else if new.isPlaceable {
                roundOne.append(unit.name)
            }
            // Only what the unit was can have kept others out; what it is now can only get in
            // their way (or help its followers and replacers, which placing it wakes).
            if let old { touched.append(old) }
            chainRoots.append(unit.name)
        case .unitRemoved(let name):
            let old = entries[name]
            if old == nil, placement[name] == nil { return SchedulingPlan() }
            absorb(change)
            if placement[name] != nil { validateUnits = [name] }
            if let old { touched.append(old) }
        case .machineUpdated(let machine):
            let old = machines[machine.id]
            absorb(change)
            if let old, old.metadata == machine.metadata { return SchedulingPlan() }
            validateUnits = unitsOn[machine.id].map { $0.sorted() } ?? []
            retryAll = true
        case .machineLeft(let id):
            guard machines[id] != nil else { return SchedulingPlan() }
            absorb(change)
            validateUnits = unitsOn[id].map { $0.sorted() } ?? []
            retryAll = true
        }
        validate(units: validateUnits, machines: validateMachines, &pass)
        touched += pass.removedInValidation.compactMap { entries[$0] }
        var candidates = Set(roundOne).union(pass.removedInValidation.filter { unplacedReasons[$0] != nil })
        if retryAll {
            candidates.formUnion(unplacedReasons.keys)
        } else if !touched.isEmpty || !chainRoots.isEmpty {
            if !touched.isEmpty {
                for (name, _) in unplacedReasons where !candidates.contains(name) {
                    let entry = entries[name]!
                    if touched.contains(where: { entry.isRelated(to: $0) }) { candidates.insert(name) }
                }
            }
            // A MachineOf chain through a changed unit concerns every follower down the chain
            // (their reasons name the first unplaced target, or a cycle).
            var seen: Set<String> = []
            var stack = chainRoots + touched.map(\.name)
            while let name = stack.popLast() {
                for follower in followers[name] ?? [] where seen.insert(follower).inserted {
                    if unplacedReasons[follower] != nil { candidates.insert(follower) }
                    stack.append(follower)
                }
            }
        }
        place(Array(candidates), &pass)
        return pass.plan(self)
    }

    /// The cluster as the index now holds it (decisions so far included).
    public var snapshot: SchedulingSnapshot {
        SchedulingSnapshot(
            machines: Array(machines.values),
            units: entries.values.map(\.unit),
            placement: placement
        )
    }

    /// Every active non-global unit without a machine, with the reason, sorted by name.
    public var unplacedUnits: [UnplacedUnit] {
        unplacedReasons.keys.sorted().map { UnplacedUnit(unit: $0, reason: unplacedReasons[$0]!) }
    }

    /// The machine a unit is scheduled on, if any.
    /// - Parameter unit: the unit's full name.
    public func machine(of unit: String) -> String? { placement[unit] }

    /// The number of units scheduled on a machine.
    /// - Parameter machineID: the machine's full ID.
    public func load(of machineID: String) -> Int { unitsOn[machineID]?.count ?? 0 }
}

// MARK: - Keeping the index

extension Scheduler {
    /// Records a change in the index without deciding anything.
    mutating func absorb(_ change: ClusterChange) {
        switch change {
        case .unitUpdated(let unit):
            removeEntry(unit.name)
            insertEntry(UnitEntry(unit))
            if !entries[unit.name]!.isPlaceable { unplacedReasons[unit.name] = nil }
        case .unitRemoved(let name):
            removeEntry(name)
            unplacedReasons[name] = nil
        case .machineUpdated(let machine):
            let known = machines[machine.id]
            machines[machine.id] = machine
            if known?.metadata != machine.metadata || known == nil { rebuildMachineIndex() }
        case .machineLeft(let id):
            machines[id] = nil
            rebuildMachineIndex()
        }
    }

    mutating func insertEntry(_ entry: UnitEntry) {
        let name = entry.name
        entries[name] = entry
        conflictIndex.insert(entry, on: placement[name], placement: placement, entries: entries)
        for target in entry.machineOf { followers[target, default: []].insert(name) }
        for replaced in entry.replaces { replacers[replaced, default: []].insert(name) }
        if entry.isGlobal && entry.isActive { activeGlobals[name] = entry }
        if !entry.conflicts.isEmpty, let m = placement[name] { conflictHoldersOn[m, default: []].insert(name) }
    }

    mutating func removeEntry(_ name: String) {
        guard let entry = entries.removeValue(forKey: name) else { return }
        conflictIndex.remove(entry, on: placement[name])
        for target in entry.machineOf { followers[target]?.remove(name); if followers[target]?.isEmpty == true { followers[target] = nil } }
        for replaced in entry.replaces { replacers[replaced]?.remove(name); if replacers[replaced]?.isEmpty == true { replacers[replaced] = nil } }
        activeGlobals[name] = nil
        if let m = placement[name] { conflictHoldersOn[m]?.remove(name) }
    }

    mutating func rebuildMachineIndex() {
        for id in machines.keys { _ = conflictIndex.number(id) }
        index = MachineIndex(
            machines: machines, load: { self.unitsOn[$0]?.count ?? 0 }, number: { self.conflictIndex.existingNumber($0)! })
    }

    /// Schedules a unit on a machine in the index.
    mutating func attach(_ unit: String, to machine: String) {
        placement[unit] = machine
        unitsOn[machine, default: []].insert(unit)
        if let entry = entries[unit] {
            if !entry.conflicts.isEmpty { conflictHoldersOn[machine, default: []].insert(unit) }
            conflictIndex.attach(entry, to: machine)
        }
        index.setLoad(machine, unitsOn[machine]!.count)
    }

    /// Unschedules a unit in the index.
    mutating func detach(_ unit: String) {
        guard let machine = placement.removeValue(forKey: unit) else { return }
        if let entry = entries[unit] { conflictIndex.detach(entry, from: machine) }
        unitsOn[machine]?.remove(unit)
        conflictHoldersOn[machine]?.remove(unit)
        let load = unitsOn[machine]?.count ?? 0
        if load == 0 { unitsOn[machine] = nil }
        if conflictHoldersOn[machine]?.isEmpty == true { conflictHoldersOn[machine] = nil }
        index.setLoad(machine, load)
    }
}
