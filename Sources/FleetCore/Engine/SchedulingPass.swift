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
    /// Units moved away by a unit replacing them: they go elsewhere and take over nothing.
    var displaced: Set<String> = []
    /// Units that took a replaced unit's machine: they do so at most once a pass.
    var tookOver: Set<String> = []
    var queue = PlacementQueue()
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
