/// One thing the engine must do to the schedule, with the reason it is logged under.
public struct SchedulingDecision: Sendable, Hashable, CustomStringConvertible {
    /// What to do; unschedules are listed (and applied) before placements.
    public enum Action: String, Sendable, Hashable {
        /// Remove the unit from the machine's schedule.
        case unschedule
        /// Add the unit to the machine's schedule.
        case place
    }

    /// What to do.
    public var action: Action
    /// The unit's full name.
    public var unit: String
    /// The full ID of the machine concerned.
    public var machineID: String
    /// Why, in words fit for a log line or `fleetctl`.
    public var reason: String

    /// - Parameters: each field as documented on its property.
    public init(_ action: Action, unit: String, machineID: String, reason: String) {
        self.action = action
        self.unit = unit
        self.machineID = machineID
        self.reason = reason
    }

    public var description: String {
        "\(action.rawValue) \(unit) \(action == .place ? "on" : "from") \(String(machineID.prefix(8))): \(reason)"
    }
}
