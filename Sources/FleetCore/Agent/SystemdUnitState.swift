/// A unit's state as systemd on one machine reports it: `LoadState`, `ActiveState`, `SubState`
/// verbatim, plus why loading failed when it did.
public struct SystemdUnitState: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `loaded`, `not-found`, `bad-setting`, `error`, `masked`.
    public var loadState: String
    /// `active`, `reloading`, `inactive`, `failed`, `activating`, `deactivating`.
    public var activeState: String
    /// The type-specific state: `running`, `dead`, `exited`, `failed`, `start`, …
    public var subState: String
    /// systemd's message when the unit could not be loaded (`LoadError`), else `nil`.
    public var loadError: String?

    /// - Parameters: each field as documented on its property.
    public init(loadState: String, activeState: String, subState: String, loadError: String? = nil) {
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.loadError = loadError
    }

    /// What systemd reports for a unit it has no file for: `not-found inactive dead`.
    public static let notFound = SystemdUnitState(loadState: "not-found", activeState: "inactive", subState: "dead")

    /// Whether systemd loaded the unit from its file.
    public var isLoaded: Bool { loadState == "loaded" }

    /// Whether the unit is active (`active`, `reloading`).
    public var isActive: Bool { activeState == "active" || activeState == "reloading" }

    /// Whether the unit failed.
    public var isFailed: Bool { activeState == "failed" }

    public var description: String { "\(loadState)/\(activeState)/\(subState)" }
}

/// One unit's new systemd state, as the agent learns it from systemd's signals.
public struct UnitStateChange: Sendable, Hashable {
    /// The unit's name.
    public var name: String
    /// Its state after the change.
    public var state: SystemdUnitState

    /// - Parameters: each field as documented on its property.
    public init(name: String, state: SystemdUnitState) {
        self.name = name
        self.state = state
    }
}

/// What writing a unit file changed.
public enum UnitFileWrite: Sendable, Hashable {
    /// The file was new.
    case created
    /// The file existed with other contents: systemd needs a reload to see them.
    case modified
    /// The file already had these contents.
    case unchanged
}
