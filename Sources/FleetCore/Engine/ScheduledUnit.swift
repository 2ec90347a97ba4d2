/// A unit as the scheduler sees it: its name, what its `[X-Fleet]` section asks for, and the
/// state the user wants it in.
public struct ScheduledUnit: Sendable, Hashable {
    /// The full unit name (`web@1.service`).
    public var name: String
    /// The parsed `[X-Fleet]` constraints.
    public var requirements: UnitRequirements
    /// The desired state; only `loaded` and `launched` units are placed.
    public var desiredState: JobState

    /// - Parameters:
    ///   - name: the full unit name.
    ///   - requirements: the parsed `[X-Fleet]` constraints (none by default).
    ///   - desiredState: the desired state (`launched` by default).
    public init(name: String, requirements: UnitRequirements = .none, desiredState: JobState = .launched) {
        self.name = name
        self.requirements = requirements
        self.desiredState = desiredState
    }

    /// Whether the user wants the unit on a machine (`loaded` or `launched`).
    public var isActive: Bool { desiredState != .inactive }
}
