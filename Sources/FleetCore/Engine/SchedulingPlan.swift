/// An active unit the scheduler could not place, and why.
public struct UnplacedUnit: Sendable, Hashable, CustomStringConvertible {
    /// The unit's full name.
    public var unit: String
    /// Why no machine could take it.
    public var reason: String

    /// - Parameters: each field as documented on its property.
    public init(unit: String, reason: String) {
        self.unit = unit
        self.reason = reason
    }

    public var description: String { "\(unit) not placed: \(reason)" }
}

/// The outcome of one scheduling pass.
public struct SchedulingPlan: Sendable, Hashable {
    /// Unschedules (sorted by unit name), then placements (sorted by unit name).
    public var decisions: [SchedulingDecision]
    /// Active units examined in this pass that remain without a machine, sorted by name.
    /// A full pass examines every such unit; an incremental one only those the change could affect
    /// (`Scheduler.unplacedUnits` always lists them all).
    public var unplaced: [UnplacedUnit]

    /// - Parameters: each field as documented on its property.
    public init(decisions: [SchedulingDecision] = [], unplaced: [UnplacedUnit] = []) {
        self.decisions = decisions
        self.unplaced = unplaced
    }

    /// True when there is nothing to do.
    public var isEmpty: Bool { decisions.isEmpty }
}
