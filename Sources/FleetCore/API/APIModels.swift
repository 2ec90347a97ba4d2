/// The JSON entities of API v1 (`/fleet/v1`), shared by fleetd's handlers and fleetctl's
/// client. Empty fields are omitted, as the original's schema did.

/// A unit as the API shows it.
public struct APIUnit: Sendable, Hashable, Codable {
    public var name: String
    public var options: [UnitOption]
    /// `inactive`, `loaded` or `launched`; empty in a request that only changes options.
    public var desiredState: String
    /// The state last reported by the agent running the unit; empty when unknown.
    public var currentState: String
    /// The machine running the unit; empty when unplaced (and for global units).
    public var machineID: String

    public init(name: String = "", options: [UnitOption] = [], desiredState: String = "", currentState: String = "", machineID: String = "") {
        self.name = name
        self.options = options
        self.desiredState = desiredState
        self.currentState = currentState
        self.machineID = machineID
    }

    enum CodingKeys: String, CodingKey { case name, options, desiredState, currentState, machineID }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        options = try c.decodeIfPresent([UnitOption].self, forKey: .options) ?? []
        desiredState = try c.decodeIfPresent(String.self, forKey: .desiredState) ?? ""
        currentState = try c.decodeIfPresent(String.self, forKey: .currentState) ?? ""
        machineID = try c.decodeIfPresent(String.self, forKey: .machineID) ?? ""
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !name.isEmpty { try c.encode(name, forKey: .name) }
        if !options.isEmpty { try c.encode(options, forKey: .options) }
        if !desiredState.isEmpty { try c.encode(desiredState, forKey: .desiredState) }
        if !currentState.isEmpty { try c.encode(currentState, forKey: .currentState) }
        if !machineID.isEmpty { try c.encode(machineID, forKey: .machineID) }
    }
}

/// The systemd state of a unit on one machine.
public struct APIUnitState: Sendable, Hashable, Codable {
    public var name: String
    public var hash: String
    public var machineID: String
    public var systemdLoadState: String
    public var systemdActiveState: String
    public var systemdSubState: String
    /// Beyond the original: systemd's message when it rejected the unit file; omitted otherwise.
    public var systemdLoadError: String?

    public init(
        name: String, hash: String, machineID: String, systemdLoadState: String, systemdActiveState: String,
        systemdSubState: String, systemdLoadError: String? = nil
    ) {
        self.name = name
        self.hash = hash
        self.machineID = machineID
        self.systemdLoadState = systemdLoadState
        self.systemdActiveState = systemdActiveState
        self.systemdSubState = systemdSubState
        self.systemdLoadError = systemdLoadError
    }
}

/// A machine of the cluster.
public struct APIMachine: Sendable, Hashable, Codable {
    public var id: String
    public var primaryIP: String
    public var metadata: [String: String]

    public init(id: String, primaryIP: String, metadata: [String: String]) {
        self.id = id
        self.primaryIP = primaryIP
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey { case id, primaryIP, metadata }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        primaryIP = try c.decodeIfPresent(String.self, forKey: .primaryIP) ?? ""
        metadata = try c.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        if !primaryIP.isEmpty { try c.encode(primaryIP, forKey: .primaryIP) }
        if !metadata.isEmpty { try c.encode(metadata, forKey: .metadata) }
    }
}

/// `GET /units`.
public struct APIUnitPage: Sendable, Hashable, Codable {
    public var units: [APIUnit]
    public var nextPageToken: String?
    public init(units: [APIUnit], nextPageToken: String? = nil) {
        self.units = units
        self.nextPageToken = nextPageToken
    }
}

/// `GET /state`.
public struct APIUnitStatePage: Sendable, Hashable, Codable {
    public var states: [APIUnitState]
    public var nextPageToken: String?
    public init(states: [APIUnitState], nextPageToken: String? = nil) {
        self.states = states
        self.nextPageToken = nextPageToken
    }
}

/// `GET /machines`.
public struct APIMachinePage: Sendable, Hashable, Codable {
    public var machines: [APIMachine]
    public var nextPageToken: String?
    public init(machines: [APIMachine], nextPageToken: String? = nil) {
        self.machines = machines
        self.nextPageToken = nextPageToken
    }
}

/// One operation of a `PATCH /machines` JSON-Patch document.
public struct APIMachinePatchOperation: Sendable, Hashable, Codable {
    /// `add`, `remove` or `replace`.
    public var op: String
    /// `/<machineID>/metadata/<key>`.
    public var path: String
    /// The new value, for `add` and `replace`.
    public var value: String?

    public init(op: String, path: String, value: String? = nil) {
        self.op = op
        self.path = path
        self.value = value
    }
}

/// The body of every 4xx/5xx response: `{"error":{"code":N,"message":"…"}}`.
public struct APIErrorBody: Sendable, Hashable, Codable {
    public struct Detail: Sendable, Hashable, Codable {
        public var code: Int
        public var message: String
    }

    public var error: Detail

    public init(code: Int, message: String) { error = Detail(code: code, message: message) }
}
