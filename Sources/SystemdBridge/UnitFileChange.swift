/// One change systemd made to its unit-file symlinks (`LinkUnitFiles`, `EnableUnitFiles`, …).
public struct UnitFileChange: Sendable, Hashable {
    /// `symlink` or `unlink`.
    public var type: String
    /// The symlink created or removed.
    public var file: String
    /// What the symlink points to (empty for `unlink`).
    public var destination: String

    /// - Parameters: each field as documented on its property.
    public init(type: String, file: String, destination: String) {
        self.type = type
        self.file = file
        self.destination = destination
    }
}

/// One row of `ListUnitsByNames`: a unit's states as systemd holds them in memory.
public struct UnitListEntry: Sendable, Hashable {
    /// The unit's name (`hello.service`).
    public var name: String
    /// Its `Description=`.
    public var description: String
    /// `loaded`, `not-found`, `bad-setting`, `error`, `masked`, `stub`, `merged`.
    public var loadState: String
    /// `active`, `reloading`, `inactive`, `failed`, `activating`, `deactivating`.
    public var activeState: String
    /// The type-specific state (`running`, `dead`, `exited`, `failed`, …).
    public var subState: String
    /// The object path of the unit.
    public var path: String
    /// The id of the job queued for the unit, 0 when none.
    public var jobID: UInt32
    /// That job's type (`start`, `stop`, `restart`, …), empty when none.
    public var jobType: String

    /// - Parameters: each field as documented on its property.
    public init(
        name: String, description: String, loadState: String, activeState: String, subState: String, path: String,
        jobID: UInt32, jobType: String = ""
    ) {
        self.name = name
        self.description = description
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.path = path
        self.jobID = jobID
        self.jobType = jobType
    }
}

/// What `fleetctl status` and the agent need to know about one unit.
public struct UnitProperties: Sendable, Hashable {
    /// The unit's name.
    public var name: String
    /// Its `Description=`.
    public var description: String
    /// `LoadState`.
    public var loadState: String
    /// `ActiveState`.
    public var activeState: String
    /// `SubState`.
    public var subState: String
    /// The unit file systemd loaded it from; empty when none.
    public var fragmentPath: String
    /// Why loading failed (`LoadError`), as a D-Bus error name and message; `nil` when it loaded.
    public var loadError: LoadError?
    /// When it last entered the active state, in µs since the epoch; `nil` when never.
    public var activeEnterTimestamp: UInt64?
    /// The main process of a service, `nil` when none.
    public var mainPID: UInt32?
    /// `Result` of a service, socket, timer, mount…: `success`, `exit-code`, `signal`, …; `nil` for
    /// types without one.
    public var result: String?
    /// Whether the unit file changed on disk since systemd loaded it (a reload is needed).
    public var needDaemonReload: Bool

    /// A unit's load error (the `LoadError` property, `(ss)`).
    public struct LoadError: Sendable, Hashable {
        /// The D-Bus error name (`org.freedesktop.systemd1.BadUnitSetting`).
        public var name: String
        /// systemd's message (`Unit x.service has a bad unit file setting.`).
        public var message: String

        /// - Parameters: each field as documented on its property.
        public init(name: String, message: String) {
            self.name = name
            self.message = message
        }
    }

    /// - Parameters: each field as documented on its property.
    public init(
        name: String, description: String = "", loadState: String, activeState: String, subState: String,
        fragmentPath: String = "", loadError: LoadError? = nil, activeEnterTimestamp: UInt64? = nil,
        mainPID: UInt32? = nil, result: String? = nil, needDaemonReload: Bool = false
    ) {
        self.name = name
        self.description = description
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.fragmentPath = fragmentPath
        self.loadError = loadError
        self.activeEnterTimestamp = activeEnterTimestamp
        self.mainPID = mainPID
        self.result = result
        self.needDaemonReload = needDaemonReload
    }
}
