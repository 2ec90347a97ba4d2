/// The engine's view of the cluster, built from one list and kept by watch events: what it
/// needs to turn registry changes into `ClusterChange`s for the `Scheduler`, and scheduler
/// decisions plus desired-state changes into schedule writes.
///
/// Pure: no I/O. `Engine` feeds it what it reads and writes what it returns.
public struct EngineState: Sendable {
    /// Parsed requirements and hash of each unit's contents, by name.
    var contents: [String: (requirements: UnitRequirements, hash: String)] = [:]
    /// Desired state of each unit, by name.
    var desired: [String: JobState] = [:]
    /// Machines as they published themselves (before API overrides), by ID.
    var published: [String: MachineState] = [:]
    /// API metadata overrides, by machine ID.
    var overrides: [String: MetadataOverrideRecord] = [:]
    /// What the schedule in the registry holds: unit → (machine, record).
    public private(set) var written: [String: (machine: String, record: ScheduleRecord)] = [:]
    /// Units whose contents could not be read as a unit (never scheduled), with the reason.
    public private(set) var invalidUnits: [String: String] = [:]

    /// An empty state.
    public init() {}

    /// The scheduler's input for a full pass.
    public var snapshot: SchedulingSnapshot {
        SchedulingSnapshot(
            machines: published.keys.compactMap(machine),
            units: desired.keys.compactMap(scheduledUnit),
            placement: written.mapValues(\.machine)
        )
    }

    // MARK: Ingesting registry records

    /// Takes in a unit's contents.
    /// - Returns: the change for the scheduler, if the unit is now complete.
    public mutating func unitStored(_ record: UnitRecord) -> ClusterChange? {
        let file = UnitFile(options: record.options)
        do {
            let name = try UnitName(record.name)
            let requirements = try XFleetOptions(unitFile: file, name: name).requirements
            contents[record.name] = (requirements, record.hash)
            invalidUnits[record.name] = nil
        } catch {
            invalidUnits[record.name] = "\(error)"
            contents[record.name] = nil
            return desired[record.name] == nil ? nil : .unitRemoved(record.name)
        }
        return scheduledUnit(record.name).map(ClusterChange.unitUpdated)
    }

    /// Takes in a unit's removal.
    public mutating func unitDeleted(_ name: String) -> ClusterChange {
        // The desired state has its own key and delete event: the watches of different
        // prefixes are not ordered among themselves, so a destroy-then-recreate may deliver
        // the new desired state before this delete.
        contents[name] = nil
        invalidUnits[name] = nil
        return .unitRemoved(name)
    }

    /// Takes in a desired-state change.
    /// - Returns: the change for the scheduler, if the unit is complete.
    public mutating func desiredStored(_ name: String, _ state: JobState) -> ClusterChange? {
        desired[name] = state
        return scheduledUnit(name).map(ClusterChange.unitUpdated)
    }

    /// Takes in a desired-state record's removal (the unit is being destroyed).
    public mutating func desiredDeleted(_ name: String) -> ClusterChange? {
        guard desired.removeValue(forKey: name) != nil else { return nil }
        return .unitRemoved(name)
    }

    /// Takes in a machine's presence record.
    public mutating func machineStored(_ record: MachineRecord) -> ClusterChange? {
        published[record.id] = MachineState(id: record.id, publicIP: record.publicIP, metadata: record.metadata)
        return machine(record.id).map(ClusterChange.machineUpdated)
    }

    /// Takes in a machine's departure (its lease expired or it shut down).
    public mutating func machineDeleted(_ id: String) -> ClusterChange? {
        guard published.removeValue(forKey: id) != nil else { return nil }
        return .machineLeft(id)
    }

    /// Takes in a machine's API metadata overrides (nil: removed).
    public mutating func overridesStored(_ id: String, _ record: MetadataOverrideRecord?) -> ClusterChange? {
        overrides[id] = record
        return machine(id).map(ClusterChange.machineUpdated)
    }

    /// Replaces what the engine believes the schedule holds (after a full read).
    public mutating func scheduleRead(_ schedule: [String: (machine: String, record: ScheduleRecord)]) {
        written = schedule
    }

    // MARK: Deciding writes

    /// The schedule writes that carry out `plan` and bring the records of `touched` units in
    /// line with their desired state and contents. Updates `written` as if they succeeded.
    /// - Parameters:
    ///   - plan: the scheduler's decisions.
    ///   - touched: units whose desired state or contents may have changed.
    /// - Returns: the writes, in the plan's order, then in name order.
    public mutating func scheduleChanges(for plan: SchedulingPlan, touched: Set<String>) -> [ScheduleChange] {
        var changes: [ScheduleChange] = []
        var placed: [String: String] = [:]
        for decision in plan.decisions {
            switch decision.action {
            case .unschedule:
                if written[decision.unit]?.machine == decision.machineID {
                    changes.append(.unassign(unit: decision.unit, machine: decision.machineID))
                    written[decision.unit] = nil
                }
                placed[decision.unit] = nil
            case .place:
                placed[decision.unit] = decision.machineID
            }
        }
        for unit in Set(placed.keys).union(touched).sorted() {
            guard let machine = placed[unit] ?? written[unit]?.machine else { continue }
            guard let state = desired[unit], state != .inactive, let hash = contents[unit]?.hash else { continue }
            let record = ScheduleRecord(state: state, hash: hash)
            if let current = written[unit], current.machine != machine {
                changes.append(.unassign(unit: unit, machine: current.machine))
            }
            if written[unit]?.machine != machine || written[unit]?.record != record {
                changes.append(.assign(unit: unit, machine: machine, record))
                written[unit] = (machine, record)
            }
        }
        // Unscheduled and placed again on the same machine in one batch: the put alone says it,
        // and etcd refuses a transaction that deletes and writes one key.
        var assigned = Set<String>()
        for case .assign(let unit, let machine, _) in changes { assigned.insert(unit + "\u{0}" + machine) }
        return changes.filter {
            guard case .unassign(let unit, let machine) = $0 else { return true }
            return !assigned.contains(unit + "\u{0}" + machine)
        }
    }

    // MARK: Internals

    private func scheduledUnit(_ name: String) -> ScheduledUnit? {
        guard let state = desired[name], let unit = contents[name] else { return nil }
        return ScheduledUnit(name: name, requirements: unit.requirements, desiredState: state)
    }

    private func machine(_ id: String) -> MachineState? {
        guard var machine = published[id] else { return nil }
        if let override = overrides[id] { machine.metadata = override.applied(to: machine.metadata) }
        return machine
    }
}
