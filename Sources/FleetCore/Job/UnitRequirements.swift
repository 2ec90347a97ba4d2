/// What a unit's `[X-Fleet]` section asks of the machine it runs on, with specifiers
/// (`%n %N %p %i`) already expanded and deprecated aliases folded in.
///
/// This is the scheduler's whole view of a unit's constraints; it carries no parsing state.
public struct UnitRequirements: Sendable, Hashable, Codable {
    /// `MachineID=`: only the machine with this full ID.
    public var machineID: String?
    /// `MachineOf=`: names of units whose machine this unit must share (usually one).
    public var machineOf: [String]
    /// `MachineMetadata=`: key → accepted values. AND across keys, OR among one key's values.
    public var metadata: [String: Set<String>]
    /// `Conflicts=`: glob patterns of unit names that must not share a machine with this one.
    public var conflicts: [String]
    /// `Global=true`: run on every machine that satisfies metadata and conflicts.
    public var global: Bool
    /// `Replaces=`: names of units this unit displaces.
    public var replaces: [String]

    /// - Parameters: each field as documented on its property; all default to "no constraint".
    public init(
        machineID: String? = nil,
        machineOf: [String] = [],
        metadata: [String: Set<String>] = [:],
        conflicts: [String] = [],
        global: Bool = false,
        replaces: [String] = []
    ) {
        self.machineID = machineID
        self.machineOf = machineOf
        self.metadata = metadata
        self.conflicts = conflicts
        self.global = global
        self.replaces = replaces
    }

    /// No constraints at all: any machine will do.
    public static let none = UnitRequirements()
}
