/// What the agent wants of one unit on its machine: the target state and the contents.
public struct AgentTarget: Sendable, Hashable {
    public var name: String
    /// `loaded` or `launched`.
    public var state: JobState
    /// The contents' hash (SHA-1 hex).
    public var hash: String
    /// The unit file to write.
    public var file: UnitFile
    /// A global unit (placed by this agent, not the engine).
    public var global: Bool

    public init(name: String, state: JobState, hash: String, file: UnitFile, global: Bool) {
        self.name = name
        self.state = state
        self.hash = hash
        self.file = file
        self.global = global
    }
}

/// What the agent has done with a unit since it started (it does not trust systemd's active
/// state for this: a unit that failed after start stays failed until its desired state
/// changes, as in the original — restarting is systemd's `Restart=` business).
public struct AppliedUnit: Sendable, Hashable {
    public var hash: String
    public var state: JobState

    public init(hash: String, state: JobState) {
        self.hash = hash
        self.state = state
    }
}

/// One step of the agent's plan, with why.
public struct AgentTask: Sendable, Hashable, CustomStringConvertible {
    public enum Action: Sendable, Hashable {
        /// Stop, remove the file and withdraw the state.
        case unload
        /// Write the unit file (and link it).
        case write(UnitFile)
        /// Load into systemd; enable `[Install]` units at runtime.
        case load(enable: Bool)
        case stop
        case start
        /// Stop then start, as one systemd job (a queued start would cancel a queued stop).
        case restart
    }

    public var unit: String
    public var action: Action
    public var reason: String

    public init(_ action: Action, unit: String, reason: String) {
        self.unit = unit
        self.action = action
        self.reason = reason
    }

    /// The order of task kinds: unload, write (then one reload), load, stop, start.
    var rank: Int {
        switch action {
        case .unload: 0
        case .write: 1
        case .load: 2
        case .stop: 3
        case .start, .restart: 4
        }
    }

    public var description: String {
        let verb = switch action {
        case .unload: "unload"
        case .write: "write"
        case .load(let enable): enable ? "load+enable" : "load"
        case .stop: "stop"
        case .start: "start"
        case .restart: "restart"
        }
        return "\(verb) \(unit): \(reason)"
    }
}

/// The agent's decision: a pure function from what should run here and what the agent did
/// to the tasks that close the gap, ordered by kind then name.
public enum AgentPlan {
    /// - Parameters:
    ///   - targets: what should run on this machine, by unit name.
    ///   - applied: what the agent has done so far, by unit name.
    ///   - managed: unit files present in the units directory (from earlier runs too).
    /// - Returns: the tasks, in the order to carry them out.
    public static func tasks(
        targets: [String: AgentTarget], applied: [String: AppliedUnit], managed: Set<String>
    ) -> [AgentTask] {
        var tasks: [AgentTask] = []
        for name in Set(applied.keys).union(managed) where targets[name] == nil {
            tasks.append(AgentTask(.unload, unit: name, reason: "no longer scheduled here"))
        }
        for (name, target) in targets {
            let enable = target.file.hasInstallSection
            guard let done = applied[name] else {
                tasks.append(AgentTask(.write(target.file), unit: name, reason: "scheduled here"))
                tasks.append(AgentTask(.load(enable: enable), unit: name, reason: "scheduled here"))
                tasks.append(target.state == .launched
                    ? AgentTask(.start, unit: name, reason: "desired state launched")
                    : AgentTask(.stop, unit: name, reason: "desired state loaded"))
                continue
            }
            if done.hash != target.hash {
                tasks.append(AgentTask(.write(target.file), unit: name, reason: "contents replaced"))
                tasks.append(AgentTask(.load(enable: enable), unit: name, reason: "contents replaced"))
                switch (done.state, target.state) {
                case (.launched, .launched): tasks.append(AgentTask(.restart, unit: name, reason: "contents replaced"))
                case (_, .launched): tasks.append(AgentTask(.start, unit: name, reason: "desired state launched"))
                default: tasks.append(AgentTask(.stop, unit: name, reason: "desired state loaded"))
                }
            } else if done.state != target.state {
                tasks.append(target.state == .launched
                    ? AgentTask(.start, unit: name, reason: "desired state launched")
                    : AgentTask(.stop, unit: name, reason: "desired state loaded"))
            }
        }
        return tasks.sorted { ($0.rank, $0.unit) < ($1.rank, $1.unit) }
    }
}
