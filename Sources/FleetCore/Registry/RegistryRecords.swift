/// The records stored in the registry. Each carries a format `version` so an old and a new
/// fleetd can share a cluster during a rolling upgrade: readers ignore fields they don't know.

/// `units/<name>`: a unit's contents, immutable once created.
public struct UnitRecord: Sendable, Hashable, Codable {
    public var version: Int = 1
    /// The unit's name (`hello.service`).
    public var name: String
    /// The unit file's options in order.
    public var options: [UnitOption]
    /// SHA-1 of the canonical serialization, 40 hex characters.
    public var hash: String
    /// `[X-Fleet] Global=true`: agents place it, not the engine.
    public var global: Bool

    /// - Parameters: each field as documented on its property.
    public init(name: String, options: [UnitOption], hash: String, global: Bool) {
        self.name = name
        self.options = options
        self.hash = hash
        self.global = global
    }
}

/// `desired/<name>` and `global/<name>`: what the user asked of a unit.
public struct DesiredRecord: Sendable, Hashable, Codable {
    public var version: Int = 1
    public var state: JobState
    /// The unit's hash, so a watcher of `global/` needs no second read to notice new contents.
    public var hash: String

    public init(state: JobState, hash: String) {
        self.state = state
        self.hash = hash
    }
}

/// `schedule/<machine>/<name>`: an assignment made by the engine, with the state the agent
/// should bring the unit to (`loaded` or `launched`).
public struct ScheduleRecord: Sendable, Hashable, Codable {
    public var version: Int = 1
    public var state: JobState
    public var hash: String

    public init(state: JobState, hash: String) {
        self.state = state
        self.hash = hash
    }
}

/// `machines/<id>`: a machine's presence, attached to its lease.
public struct MachineRecord: Sendable, Hashable, Codable {
    public var version: Int = 1
    public var id: String
    public var publicIP: String
    /// Metadata from the machine's own configuration (API overrides are stored apart).
    public var metadata: [String: String]
    /// The machine's advertised API URL; absent in records of older fleetds and when none.
    public var apiURL: String?

    public init(_ machine: MachineState) {
        id = machine.id
        publicIP = machine.publicIP
        metadata = machine.metadata
        apiURL = machine.apiURL.isEmpty ? nil : machine.apiURL
    }
}

/// `metadata/<id>`: metadata changes made through the API, kept across a machine's restarts.
public struct MetadataOverrideRecord: Sendable, Hashable, Codable {
    public var version: Int = 1
    /// Keys set (added or replaced) through the API.
    public var set: [String: String] = [:]
    /// Keys removed through the API, even if the machine's configuration has them.
    public var removed: Set<String> = []

    public init(set: [String: String] = [:], removed: Set<String> = []) {
        self.set = set
        self.removed = removed
    }

    /// The machine's own metadata with these overrides applied.
    public func applied(to metadata: [String: String]) -> [String: String] {
        var result = metadata.filter { !removed.contains($0.key) }
        result.merge(set) { _, new in new }
        return result
    }
}

/// `states/<name>/<machine>`: the systemd state of a unit on a machine, attached to that
/// machine's lease.
public struct UnitStateRecord: Sendable, Hashable, Codable {
    public var version: Int = 1
    public var hash: String
    public var loadState: String
    public var activeState: String
    public var subState: String
    /// What the agent has done with the unit (`loaded` or `launched`): the unit's current
    /// state as the API reports it. Absent in records of agents that don't know it.
    public var jobState: JobState?
    /// systemd's message when it could not load the unit file (its `LoadError`).
    public var loadError: String?

    public init(
        hash: String, loadState: String, activeState: String, subState: String, jobState: JobState? = nil,
        loadError: String? = nil
    ) {
        self.hash = hash
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.jobState = jobState
        self.loadError = loadError
    }
}

/// `engine/leader`: who runs the engine, attached to the leader's lease.
public struct LeaderRecord: Sendable, Hashable, Codable {
    public var version: Int = 1
    public var machineID: String

    public init(machineID: String) { self.machineID = machineID }
}
