/// The bookkeeping of one scheduling pass: where each touched unit started, why it left, why
/// it landed where it did, and the queue of units still to place.
struct SchedulingPass: Sendable {
    /// Placement before the pass of every unit whose placement the pass changed (nil: none).
    private var original: [String: String?] = [:]
    private var removalReason: [String: String] = [:]
    private var placeReason: [String: String] = [:]
    /// Active units whose unplaced reason this pass set.
    var examined: Set<String> = []
    /// Units unscheduled while validating, in order.
    var removedInValidation: [String] = []
    /// Units unscheduled during the current placing round, in order.
    var removedInRound: [String] = []
    /// How many times each unit took a replaced unit's machine in this pass.
    var takeovers: [String: Int] = [:]
    /// Units still to try in this round, in name order.
    private(set) var queue = PlacementQueue()
    /// Unplaced units not in the queue: those a removal may send back to it. Kept so that a
    /// removal looks at these few rather than at every unit a full pass has yet to place.
    private(set) var idle: Set<String> = []

    /// Starts a round: `units` are queued, the other unplaced units are idle.
    mutating func startRound(_ units: [String], unplaced: Dictionary<String, String>.Keys) {
        queue.load(units)
        let queued = queue
        idle = Set(unplaced.filter { !queued.contains($0) })
    }

    mutating func enqueue(_ unit: String) {
        queue.push(unit)
        idle.remove(unit)
    }

    /// The next unit to try; it counts as idle until placed.
    mutating func next() -> String? {
        guard let unit = queue.pop() else { return nil }
        idle.insert(unit)
        return unit
    }

    /// A unit got a machine.
    mutating func notePlaced(_ unit: String) { idle.remove(unit) }
    /// True while placing (as opposed to validating).
    var placing = false

    mutating func noteRemoval(_ unit: String, from machine: String, reason: String) {
        if original.index(forKey: unit) == nil { original[unit] = .some(machine) }
        if removalReason[unit] == nil { removalReason[unit] = reason }
    }

    mutating func notePlacement(_ unit: String, reason: String) {
        if original.index(forKey: unit) == nil { original[unit] = .some(nil) }
        placeReason[unit] = reason
    }

    /// The decisions: the difference between where units started and where they ended.
    func plan(_ scheduler: Scheduler) -> SchedulingPlan {
        var unschedules: [SchedulingDecision] = []
        var places: [SchedulingDecision] = []
        for unit in original.keys.sorted() {
            let before = original[unit]!
            let after = scheduler.placement[unit]
            guard before != after else { continue }
            if let before {
                unschedules.append(SchedulingDecision(.unschedule, unit: unit, machineID: before, reason: removalReason[unit]!))
            }
            if let after {
                places.append(SchedulingDecision(.place, unit: unit, machineID: after, reason: placeReason[unit]!))
            }
        }
        let unplaced = examined.filter { scheduler.unplacedReasons[$0] != nil }.sorted()
            .map { UnplacedUnit(unit: $0, reason: scheduler.unplacedReasons[$0]!) }
        return SchedulingPlan(decisions: unschedules + places, unplaced: unplaced)
    }
}
