/// Everything the scheduler decides from: the machines present, the units known, and where
/// each non-global unit is currently scheduled. Immutable input to `Scheduler.plan(_:)`.
public struct SchedulingSnapshot: Sendable, Hashable {
    /// Machines present in the cluster, by machine ID.
    public var machines: [String: MachineState]
    /// Units known to the cluster, by name.
    public var units: [String: ScheduledUnit]
    /// Current placement: unit name → machine ID. May name machines or units that are gone;
    /// the scheduler then unschedules them.
    public var placement: [String: String]

    /// - Parameters:
    ///   - machines: machines present (a repeated ID keeps the last one).
    ///   - units: units known (a repeated name keeps the last one).
    ///   - placement: unit name → machine ID.
    public init(machines: [MachineState] = [], units: [ScheduledUnit] = [], placement: [String: String] = [:]) {
        self.machines = Dictionary(machines.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.units = Dictionary(units.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        self.placement = placement
    }

    /// The snapshot with a plan's decisions carried out (what the registry holds once the
    /// engine has written them).
    /// - Parameter plan: decisions from `Scheduler.plan(_:)` on this snapshot.
    /// - Returns: the snapshot with its placement updated.
    public func applying(_ plan: SchedulingPlan) -> SchedulingSnapshot {
        var next = self
        for decision in plan.decisions {
            switch decision.action {
            case .unschedule:
                if next.placement[decision.unit] == decision.machineID { next.placement[decision.unit] = nil }
            case .place:
                next.placement[decision.unit] = decision.machineID
            }
        }
        return next
    }

    /// The snapshot after one cluster change. Placement is left as it was: the scheduler itself
    /// unschedules a removed unit or what ran on a machine that left.
    /// - Parameter change: the change.
    /// - Returns: the new snapshot.
    public func applying(_ change: ClusterChange) -> SchedulingSnapshot {
        var next = self
        switch change {
        case .unitUpdated(let unit): next.units[unit.name] = unit
        case .unitRemoved(let name): next.units[name] = nil
        case .machineUpdated(let machine): next.machines[machine.id] = machine
        case .machineLeft(let id): next.machines[id] = nil
        }
        return next
    }
}
