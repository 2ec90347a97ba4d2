/// One change to the cluster, as the engine learns it from a registry watch; the input of
/// `Scheduler.apply(_:)`.
public enum ClusterChange: Sendable, Hashable, CustomStringConvertible {
    /// A unit was submitted, or its desired state (or contents, through `--replace`) changed.
    case unitUpdated(ScheduledUnit)
    /// A unit was destroyed.
    case unitRemoved(String)
    /// A machine joined, or its metadata (or IP) changed.
    case machineUpdated(MachineState)
    /// A machine left the cluster (its lease expired).
    case machineLeft(String)

    public var description: String {
        switch self {
        case .unitUpdated(let u): "unit \(u.name) updated (\(u.desiredState.rawValue))"
        case .unitRemoved(let n): "unit \(n) removed"
        case .machineUpdated(let m): "machine \(m.shortID) updated"
        case .machineLeft(let id): "machine \(String(id.prefix(8))) left"
        }
    }
}
