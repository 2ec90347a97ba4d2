/// A unit's cluster-level state: desired (what the user asked for) or current (last reported).
///
/// Transitions go through the middle state: `inactive` ↔ `loaded` ↔ `launched`.
public enum JobState: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Known to the cluster, not assigned to any machine.
    case inactive
    /// Assigned to a machine and loaded into its systemd, not started.
    case loaded
    /// Loaded and started.
    case launched

    private var rank: Int {
        switch self {
        case .inactive: 0
        case .loaded: 1
        case .launched: 2
        }
    }

    public static func < (lhs: JobState, rhs: JobState) -> Bool { lhs.rank < rhs.rank }
}
