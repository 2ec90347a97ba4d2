// The two phases of a pass: validating placements, then placing what is left.

extension Scheduler {
    /// Rounds are repeated only when a placement moved units away; this bounds a pathological
    /// input. Real clusters settle in one or two rounds.
    static let maximumRounds = 64
    /// See `mayTakeOver`.
    static let maximumTakeovers = 16

    // MARK: Validate

    /// Phase 1: unschedules the given units whose placement breaks their own constraints, then
    /// settles Conflicts and Replaces among the units of the given machines (name order: the
    /// first unit kept wins).
    mutating func validate(units: [String], machines ids: [String], _ pass: inout SchedulingPass) {
        for unit in units {
            guard let machine = placement[unit] else { continue }  // gone with its target already
            if let reason = violation(of: unit, on: machine) { unschedule(unit, reason: reason, &pass) }
        }
        for id in ids {
            guard let names = unitsOn[id]?.sorted() else { continue }
            for (i, name) in names.enumerated() where placement[name] == id {
                guard let entry = entries[name] else { continue }
                if let replacer = replacers[name]?.filter({ placement[$0] == id }).min() {
                    unschedule(name, reason: "replaced by \(replacer)", &pass)
                    continue
                }
                let kept = names[..<i].filter { placement[$0] == id }.compactMap { entries[$0] }
                if case .ineligible(let why) = Feasibility.conflicts(entry, scheduled: kept) {
                    unschedule(name, reason: why.description, &pass)
                }
            }
        }
    }

    /// Why a unit may not stay on a machine, looking at itself alone (not at its neighbours).
    func violation(of unit: String, on id: String) -> String? {
        guard let machine = machines[id] else { return "machine \(id.prefix(8)) left the cluster" }
        guard let entry = entries[unit] else { return "unit no longer exists" }
        if !entry.isActive { return "desired state is inactive" }
        if entry.isGlobal { return "global units are placed by each agent, not the engine" }
        if case .ineligible(let why) = Feasibility.machineID(entry, machine) { return why.description }
        if case .ineligible(let why) = Feasibility.metadata(entry.requirements.metadata, machine) {
            return why.description
        }
        for target in entry.machineOf {
            if let problem = targetProblem(target) { return problem }
            if placement[target] != id { return "MachineOf target \(target) is not on this machine" }
        }
        return nil
    }

    /// Why a MachineOf target can never host followers, if it cannot.
    func targetProblem(_ target: String) -> String? {
        guard let entry = entries[target] else { return "MachineOf target \(target) is not in the cluster" }
        if entry.isGlobal { return "MachineOf target \(target) is a global unit" }
        if !entry.isActive { return "MachineOf target \(target) is inactive" }
        return nil
    }

    /// Unschedules a unit, and its MachineOf followers with it.
    mutating func unschedule(_ unit: String, reason: String, _ pass: inout SchedulingPass) {
        guard let id = placement[unit] else { return }
        pass.noteRemoval(unit, from: id, reason: reason)
        detach(unit)
        if pass.placing { pass.removedInRound.append(unit) } else { pass.removedInValidation.append(unit) }
        if let entry = entries[unit], entry.isPlaceable {
            unplacedReasons[unit] = reason
            pass.examined.insert(unit)
            if pass.placing { pass.enqueue(unit) }
        }
        for follower in (followers[unit] ?? []).sorted() where placement[follower] == id {
            let why = violation(of: follower, on: id) ?? "MachineOf target \(unit) moved"
            unschedule(follower, reason: why, &pass)
        }
    }

    // MARK: Place

    /// Phase 2: places the candidates in name order, in rounds: a round that moved units away
    /// is followed by one over the unplaced units that could use the room.
    mutating func place(_ candidates: [String], _ pass: inout SchedulingPass) {
        pass.placing = true
        defer { pass.placing = false }
        var next = candidates
        var rounds = 0
        while !next.isEmpty, rounds < Scheduler.maximumRounds {
            rounds += 1
            pass.startRound(next, unplaced: unplacedReasons.keys)
            pass.removedInRound = []
            while let unit = pass.next() {
                let removedBefore = pass.removedInRound.count
                tryPlace(unit, &pass)
                if pass.removedInRound.count > removedBefore {
                    requeueRelated(to: pass.removedInRound[removedBefore...], after: unit, &pass)
                }
            }
            guard !pass.removedInRound.isEmpty else { break }
            let removed = pass.removedInRound.compactMap { entries[$0] }
            next = pass.idle.filter { name in
                guard unplacedReasons[name] != nil, let entry = entries[name] else { return false }
                return removed.contains { entry.isRelated(to: $0) }
            }
        }
    }

    /// Queues the unplaced units (later in name order than `current`) that the units just moved
    /// away were keeping out. Earlier ones wait for the next round, so that a full pass and an
    /// incremental one visit units in the same order.
    mutating func requeueRelated(to removed: ArraySlice<String>, after current: String, _ pass: inout SchedulingPass) {
        let removedEntries = removed.compactMap { entries[$0] }
        let woken = pass.idle.filter { name in
            guard name > current, unplacedReasons[name] != nil, let entry = entries[name] else { return false }
            return removedEntries.contains { entry.isRelated(to: $0) }
        }
        for name in woken { pass.enqueue(name) }
    }

    /// Places one unit if some machine can take it, else records why not.
    mutating func tryPlace(_ name: String, _ pass: inout SchedulingPass) {
        guard placement[name] == nil, let entry = entries[name], entry.isPlaceable else { return }
        pass.examined.insert(name)
        let globals = conflictingGlobals(entry)

        if !entry.machineOf.isEmpty {
            placeFollower(entry, globals, &pass)
            return
        }
        if mayTakeOver(entry, pass) {
            for replaced in entry.replaces.sorted() {
                guard let id = placement[replaced], let machine = machines[id] else { continue }
                if verdict(entry, on: machine, takingOver: true, globals).isEligible {
                    settle(entry, on: id, reason: "takes the machine of \(replaced), which it replaces", &pass)
                    return
                }
            }
        }
        if let id = entry.requirements.machineID {
            guard let machine = machines[id] else {
                unplacedReasons[name] = "MachineID \(id) is not in the cluster"
                return
            }
            switch verdict(entry, on: machine, takingOver: false, globals) {
            case .eligible:
                settle(entry, on: id, reason: "the machine its MachineID names", &pass)
            case .ineligible(let why):
                unplacedReasons[name] = "machine \(id.prefix(8)) named by MachineID cannot take it: \(why.summary)"
            }
            return
        }
        guard !machines.isEmpty else {
            unplacedReasons[name] = "no machine in the cluster"
            return
        }
        let metadata = entry.requirements.metadata
        let group = index.group(for: metadata, machines: machines)
        let size = index.members[group].count
        let pool = metadata.isEmpty ? "\(size) machines" : "\(size) machines satisfying its MachineMetadata"
        guard size > 0 else {
            unplacedReasons[name] = "no machine satisfies its MachineMetadata"
            return
        }
        let chosen = leastLoadedEligible(entry, in: group, globals)
        if let chosen {
            settle(entry, on: chosen, reason: "least loaded of \(pool)", &pass)
        } else {
            unplacedReasons[name] = "all \(pool) are ruled out by Conflicts or Replaces"
        }
    }

    /// The least-loaded machine of a group that passes the dynamic checkers (smallest ID among
    /// equals). Machines the conflict index rules out cost a lookup, not a glob match.
    private mutating func leastLoadedEligible(_ entry: UnitEntry, in group: Int, _ globals: [UnitEntry]) -> String? {
        var skipped: [Int] = []
        var chosen: String?
        let probe = conflictIndex.probe(for: entry)
        while let (position, id, number) = index.leastLoaded(in: group) {
            if !conflictIndex.blocks(probe, id, number: number, placement: placement, entries: entries),
                dynamicVerdict(entry, on: machines[id]!, takingOver: false, globals).isEligible
            {
                chosen = id
                break
            }
            index.exclude(position, in: group)
            skipped.append(position)
        }
        index.restore(skipped, in: group)
        return chosen
    }

    /// Places a MachineOf follower with its target(s), or records why it cannot go.
    private mutating func placeFollower(_ entry: UnitEntry, _ globals: [UnitEntry], _ pass: inout SchedulingPass) {
        var target: (name: String, machine: String)?
        for name in entry.machineOf {
            if let problem = targetProblem(name) {
                unplacedReasons[entry.name] = problem
                return
            }
            guard let id = placement[name] else {
                if let via = machineOfCycle(through: entry) {
                    unplacedReasons[entry.name] = "circular MachineOf through \(via)"
                } else {
                    unplacedReasons[entry.name] = "MachineOf target \(name) is not placed"
                }
                return
            }
            if let target, target.machine != id {
                unplacedReasons[entry.name] = "MachineOf targets \(target.name) and \(name) are on different machines"
                return
            }
            target = (name, id)
        }
        guard let target, let machine = machines[target.machine] else { return }
        // It would have to share a machine with a unit it must never share one with.
        if let replaced = machineOfAncestors(of: entry).sorted().first(where: entry.replaces.contains) {
            unplacedReasons[entry.name] = "it replaces \(replaced), which it must share a machine with through MachineOf"
            return
        }
        switch verdict(entry, on: machine, takingOver: mayTakeOver(entry, pass), globals) {
        case .eligible:
            let names = entry.machineOf.joined(separator: ", ")
            settle(entry, on: target.machine, reason: "follows its MachineOf target \(names)", &pass)
        case .ineligible(let why):
            unplacedReasons[entry.name] =
                "cannot join MachineOf target \(target.name) on machine \(target.machine.prefix(8)): \(why.summary)"
        }
    }

    /// Whether a unit may take the machine of a unit it replaces. Not on a Replaces cycle (which
    /// SPEC calls invalid: it would displace forever), and not more than `maximumTakeovers`
    /// times a pass (a guard against cycles mixing Replaces and MachineOf; chains of distinct
    /// units never come near it).
    private func mayTakeOver(_ entry: UnitEntry, _ pass: SchedulingPass) -> Bool {
        guard !entry.replaces.isEmpty, pass.takeovers[entry.name, default: 0] < Scheduler.maximumTakeovers else {
            return false
        }
        var seen: Set<String> = []
        var stack = Array(entry.replaces)
        while let name = stack.popLast() {
            if name == entry.name { return false }
            guard seen.insert(name).inserted, let e = entries[name] else { continue }
            stack += e.replaces
        }
        return true
    }

    /// Every unit a follower must share a machine with, following MachineOf transitively.
    private func machineOfAncestors(of entry: UnitEntry) -> Set<String> {
        var seen: Set<String> = []
        var stack = entry.machineOf
        while let name = stack.popLast() {
            guard seen.insert(name).inserted, let e = entries[name] else { continue }
            stack += e.machineOf
        }
        return seen
    }

    /// The first of a unit's MachineOf targets (in name order) from which MachineOf leads back
    /// to the unit, if any. Depends on requirements only, not on placement.
    private func machineOfCycle(through entry: UnitEntry) -> String? {
        for first in entry.machineOf {
            var seen: Set<String> = []
            var stack = [first]
            while let name = stack.popLast() {
                if name == entry.name { return first }
                guard seen.insert(name).inserted, let e = entries[name] else { continue }
                stack += e.machineOf
            }
        }
        return nil
    }

    /// Schedules a unit on a machine; moves away the units it replaces there, and queues its
    /// unplaced followers.
    private mutating func settle(_ entry: UnitEntry, on id: String, reason: String, _ pass: inout SchedulingPass) {
        let name = entry.name
        pass.notePlacement(name, reason: reason)
        pass.notePlaced(name)
        attach(name, to: id)
        unplacedReasons[name] = nil
        for replaced in entry.replaces.sorted() where placement[replaced] == id {
            pass.takeovers[name, default: 0] += 1
            unschedule(replaced, reason: "replaced by \(name)", &pass)
        }
        // Placing a unit can only help its followers, and units replacing it (which may now
        // take its machine).
        for other in (followers[name] ?? []).union(replacers[name] ?? []) where unplacedReasons[other] != nil {
            pass.enqueue(other)
        }
    }

    // MARK: Checks

    /// All checkers for one machine.
    /// - Parameter takingOver: the unit may take the place of the units it replaces there.
    func verdict(_ entry: UnitEntry, on machine: MachineState, takingOver: Bool, _ globals: [UnitEntry]) -> Verdict {
        if case .ineligible(let why) = Feasibility.machineID(entry, machine) { return .ineligible(why) }
        let metadata = Feasibility.metadata(entry.requirements.metadata, machine)
        if !metadata.isEligible { return metadata }
        return dynamicVerdict(entry, on: machine, takingOver: takingOver, globals)
    }

    /// The checkers that depend on what is scheduled (metadata is settled by the group).
    func dynamicVerdict(_ entry: UnitEntry, on machine: MachineState, takingOver: Bool, _ globals: [UnitEntry]) -> Verdict {
        let id = machine.id
        if let names = replacers[entry.name] {
            let replacersThere = names.filter { placement[$0] == id }
            let replacedThere = takingOver ? [] : entry.replaces.filter { placement[$0] == id }
            let v = Feasibility.replacement(replacersThere: replacersThere, replacedThere: replacedThere)
            if !v.isEligible { return v }
        } else if !takingOver, !entry.replaces.isEmpty {
            let v = Feasibility.replacement(replacersThere: [String](), replacedThere: entry.replaces.filter { placement[$0] == id })
            if !v.isEligible { return v }
        }
        // With no patterns of its own, only neighbours holding patterns can conflict.
        if let others = entry.conflicts.isEmpty ? conflictHoldersOn[id] : unitsOn[id] {
            let scheduled = others.lazy
                .filter { !(takingOver && entry.replaces.contains($0)) }
                .compactMap { self.entries[$0] }
            let v = Feasibility.conflicts(entry, scheduled: scheduled)
            if !v.isEligible { return v }
        }
        return globals.isEmpty ? .eligible : Feasibility.globalConflicts(globals, machine)
    }

    /// Active global units that conflict with a unit, sorted by name.
    func conflictingGlobals(_ entry: UnitEntry) -> [UnitEntry] {
        guard !activeGlobals.isEmpty else { return [] }
        return activeGlobals.values.filter { entry.conflicts(with: $0) }.sorted { $0.name < $1.name }
    }
}
