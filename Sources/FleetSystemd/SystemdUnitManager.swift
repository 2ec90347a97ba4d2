public import FleetCore
public import SystemdBridge

/// `UnitManager` on the machine's systemd, through SystemdBridge.
///
/// Keeps one connection (systemd's private socket as root) and reconnects when systemd
/// re-executes. `run()` follows systemd's signals and turns them into `stateChanges()`;
/// run it for as long as the manager is used (in the agent's task group).
public actor SystemdUnitManager: UnitManager {
    /// Where unit files are written.
    public nonisolated let directory: UnitFileDirectory
    private let address: SystemdConnection.Address
    private var connection: SystemdConnection?
    private var connecting: Task<SystemdConnection, any Error>?
    private var reloadPending = false
    /// How many `daemon-reload`s this manager has asked for (each costs 90–270 ms).
    public private(set) var reloadCount = 0
    /// Units whose state changes are reported: those written, loaded or started here.
    private var watched: Set<String> = []
    private var lastStates: [String: SystemdUnitState] = [:]
    private var listeners: [Int: AsyncStream<UnitStateChange>.Continuation] = [:]
    private var nextListener = 0

    /// - Parameters:
    ///   - directory: where unit files go.
    ///   - address: how to reach systemd.
    public init(directory: UnitFileDirectory = UnitFileDirectory(), address: SystemdConnection.Address = .automatic) {
        self.directory = directory
        self.address = address
    }

    /// Follows systemd's signals until cancelled, reconnecting (with backoff) whenever the
    /// connection breaks and re-reading the watched units' states after each reconnect.
    public func run() async {
        var backoff: Duration = .milliseconds(50)
        while !Task.isCancelled {
            do {
                let connection = try await connected()
                let events = try await connection.events()
                try await connection.subscribe()
                backoff = .milliseconds(50)
                // A failed re-read must not stop the events: a broken connection ends the
                // stream anyway, and the next event or reconnect reads again.
                try? await resync()
                for try await event in events { await handle(event) }
            } catch {
                // Broken connection or systemd refusing: connect again after a pause.
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
        await connection?.close()
        connection = nil
        for listener in listeners.values { listener.finish() }
        listeners = [:]
    }

    // MARK: UnitManager

    public func writeUnit(_ name: String, contents: String) async throws -> UnitFileWrite {
        let change = try directory.write(name, contents: contents)
        watched.insert(name)
        switch change {
        case .created:
            do {
                _ = try await call(name) { (systemd) async throws(SystemdError) in
                    try await systemd.linkUnitFiles([self.directory.filePath(of: name)], runtime: true, force: true)
                }
            } catch {
                // Leave no unlinked file behind: a retry must see .created and link again.
                _ = try? directory.remove(name)
                throw error
            }
        case .modified:
            reloadPending = true
        case .unchanged:
            break
        }
        return change
    }

    public func removeUnit(_ name: String) async throws {
        try UnitNameRules.validate(name)
        try await remove([name])
    }

    /// Stops the units, then removes them together: one `DisableUnitFiles` for the batch (each
    /// call rescans the unit directories) and one reload.
    public func unload(_ names: [String]) async throws {
        for name in names { try UnitNameRules.validate(name) }
        for name in names { try await stop(name) }
        try await remove(names)
        try await reloadIfNeeded()
    }

    /// Disables (removing the [Install] symlinks and the one LinkUnitFiles made), resets failed
    /// state so systemd can collect the units, deletes the files, and notes a reload.
    private func remove(_ names: [String]) async throws {
        try await disable(names.filter { directory.hasFile(for: $0) })
        for name in names {
            if !UnitNameRules.isTemplate(name) {
                _ = try await call(name) { (systemd) async throws(SystemdError) in try await systemd.resetFailedUnit(name) }
            }
            if try directory.remove(name) { reloadPending = true }
            forget(name)
        }
    }

    /// `DisableUnitFiles` for a batch; when systemd refuses the batch because one name has
    /// nothing to disable (ENOENT), one by one, so the others still lose their symlinks.
    private func disable(_ names: [String]) async throws {
        guard !names.isEmpty else { return }
        let batchDone = try await call(names[0]) { (systemd) async throws(SystemdError) -> Bool in
            do throws(SystemdError) {
                _ = try await systemd.disableUnitFiles(names, runtime: true)
                return true
            } catch where error.code == .noSuchUnit || error.errno == 2 {
                return false
            }
        }
        guard !batchDone, names.count > 1 else { return }
        for name in names { try await disable([name]) }
    }

    /// Stops reporting a removed unit (and, for a template, its instances).
    private func forget(_ name: String) {
        watched.remove(name)
        lastStates[name] = nil
        guard UnitNameRules.isTemplate(name) else { return }
        for instance in lastStates.keys where UnitNameRules.template(ofInstance: instance) == name && !watched.contains(instance) {
            lastStates[instance] = nil
        }
    }

    @discardableResult
    public func reloadIfNeeded() async throws -> Bool {
        guard reloadPending else { return false }
        try await call("daemon-reload") { (systemd) async throws(SystemdError) in try await systemd.reload() }
        reloadPending = false
        reloadCount += 1
        return true
    }

    public func load(_ name: String) async throws -> SystemdUnitState {
        try UnitNameRules.validate(name)
        watched.insert(name)
        var properties = try await call(name) { (systemd) async throws(SystemdError) in try await systemd.unitProperties(name) }
        if properties.loadState == "not-found" && directory.hasFile(for: name) {
            // systemd cached the unit as not-found before its file existed: reread the files.
            reloadPending = true
            try await reloadIfNeeded()
            properties = try await call(name) { (systemd) async throws(SystemdError) in try await systemd.unitProperties(name) }
        }
        return Self.state(of: properties)
    }

    public func enable(_ name: String) async throws {
        try UnitNameRules.validate(name)
        let (_, changes) = try await call(name) { (systemd) async throws(SystemdError) in
            try await systemd.enableUnitFiles([name], runtime: true, force: true)
        }
        // New [Install] symlinks only count for systemd's dependency graph after a reload.
        if !changes.isEmpty { reloadPending = true }
    }

    public func start(_ name: String) async throws {
        try UnitNameRules.validate(name)
        watched.insert(name)
        _ = try await call(name) { (systemd) async throws(SystemdError) in try await systemd.startUnit(name) }
    }

    public func restart(_ name: String) async throws {
        try UnitNameRules.validate(name)
        watched.insert(name)
        _ = try await call(name) { (systemd) async throws(SystemdError) in try await systemd.restartUnit(name) }
    }

    public func stop(_ name: String) async throws {
        try UnitNameRules.validate(name)
        if UnitNameRules.isTemplate(name) { return }  // only instances run; systemd refuses the name
        _ = try await call(name) { (systemd) async throws(SystemdError) -> String? in
            do throws(SystemdError) {
                return try await systemd.stopUnit(name)
            } catch where error.code == .noSuchUnit {
                return nil  // stopping a unit systemd does not hold is already done
            }
        }
    }

    public func states(of names: [String]) async throws -> [String: SystemdUnitState] {
        // A template is never loaded itself (systemd refuses the name): only its instances are.
        let units = names.filter { !UnitNameRules.isTemplate($0) }
        guard !units.isEmpty else { return Dictionary(names.map { ($0, .notFound) }, uniquingKeysWith: { a, _ in a }) }
        let entries = try await call(units[0]) { (systemd) async throws(SystemdError) in try await systemd.listUnitsByNames(units) }
        var states: [String: SystemdUnitState] = [:]
        for entry in entries {
            var state = SystemdUnitState(loadState: entry.loadState, activeState: entry.activeState, subState: entry.subState)
            if state.loadState != "loaded" && state.loadState != "not-found" {
                // Rare: a rejected file. Its reason needs one more call.
                let properties = try await call(entry.name) { (systemd) async throws(SystemdError) in try await systemd.unitProperties(entry.name) }
                state.loadError = properties.loadError?.message
            }
            states[entry.name] = state
        }
        for name in names where states[name] == nil { states[name] = .notFound }
        return states
    }

    /// The type of the job systemd has queued for a unit (`restart`, `stop`, …), nil when none.
    /// fleetd asks this about its own unit while stopping, to tell a restart from a stop.
    public func pendingJobType(of name: String) async throws -> String? {
        let entries = try await call(name) { (systemd) async throws(SystemdError) in try await systemd.listUnitsByNames([name]) }
        guard let type = entries.first?.jobType, !type.isEmpty else { return nil }
        return type
    }

    public func managedUnits() async throws -> [String] {
        try directory.names()
    }

    public func stateChanges() -> AsyncStream<UnitStateChange> {
        let (stream, continuation) = AsyncStream<UnitStateChange>.makeStream()
        let id = nextListener
        nextListener += 1
        listeners[id] = continuation
        continuation.onTermination = { _ in Task { await self.removeListener(id) } }
        return stream
    }

    private func removeListener(_ id: Int) { listeners[id] = nil }

    // MARK: connection

    /// The open connection, connecting (with retries for up to 30 s) when there is none.
    private func connected() async throws(UnitManagerError) -> SystemdConnection {
        if let connection, await connection.isConnected { return connection }
        if let connecting { return try await wait(for: connecting) }
        let old = connection
        connection = nil
        let address = self.address
        let task = Task<SystemdConnection, any Error> {
            await old?.close()
            var delay: Duration = .milliseconds(20)
            let deadline = ContinuousClock.now + .seconds(30)
            while true {
                do {
                    return try await SystemdConnection.connect(address)
                } catch where ContinuousClock.now < deadline {
                    // systemd is re-executing: its socket comes back within a second or two.
                    try await Task.sleep(for: delay)
                    delay = min(delay * 2, .milliseconds(500))
                }
            }
        }
        connecting = task
        defer { connecting = nil }
        let connection = try await wait(for: task)
        self.connection = connection
        return connection
    }

    private func wait(for task: Task<SystemdConnection, any Error>) async throws(UnitManagerError) -> SystemdConnection {
        do {
            return try await task.value
        } catch {
            throw UnitManagerError(.systemd, unit: "systemd", message: "cannot connect to systemd: \(error)")
        }
    }

    /// Runs one call on the connection; when the connection broke, reconnects and tries once more.
    private func call<T: Sendable>(_ unit: String, _ body: (SystemdConnection) async throws(SystemdError) -> T) async throws(UnitManagerError) -> T {
        var attempt = 0
        while true {
            let connection = try await connected()
            do {
                return try await body(connection)
            } catch where error.code == .disconnected && attempt == 0 {
                attempt += 1
                await connection.close()
            } catch {
                throw Self.managerError(error, unit: unit)
            }
        }
    }

    static func managerError(_ error: SystemdError, unit: String) -> UnitManagerError {
        let code: UnitManagerError.Code
        switch error.busErrorName {
        case "org.freedesktop.systemd1.NoSuchUnit": code = .notFound
        case "org.freedesktop.systemd1.BadUnitSetting", "org.freedesktop.systemd1.LoadFailed": code = .loadFailed
        default: code = .systemd
        }
        return UnitManagerError(code, unit: unit, message: error.busErrorMessage ?? error.description)
    }

    // MARK: events

    private func isWatched(_ name: String) -> Bool {
        if watched.contains(name) { return true }
        guard let template = UnitNameRules.template(ofInstance: name) else { return false }
        return watched.contains(template)
    }

    private func handle(_ event: SystemdEvent) async {
        switch event {
        case .unitPropertiesChanged(let unit, let interface, let properties, _) where interface == "org.freedesktop.systemd1.Unit":
            guard isWatched(unit) else { return }
            guard var state = lastStates[unit] ?? Self.state(from: properties) else {
                try? await resync([unit])
                return
            }
            if let load = properties["LoadState"]?.string { state.loadState = load }
            if let active = properties["ActiveState"]?.string { state.activeState = active }
            if let sub = properties["SubState"]?.string { state.subState = sub }
            if case .stringPair(let name, let message)? = properties["LoadError"] {
                state.loadError = name.isEmpty ? nil : message
            }
            publish(unit, state)
        case .reloading(active: false):
            // Load states may change with a reload without a signal for every unit.
            try? await resync()
        default:
            break
        }
    }

    /// Re-reads the states of watched units (all by default) and publishes what changed.
    private func resync(_ names: [String]? = nil) async throws {
        let names = names ?? watched.union(lastStates.keys.filter(isWatched)).filter { !UnitNameRules.isTemplate($0) }.sorted()
        guard !names.isEmpty else { return }
        for (name, state) in try await states(of: names) { publish(name, state) }
    }

    private func publish(_ name: String, _ state: SystemdUnitState) {
        guard lastStates[name] != state else { return }
        lastStates[name] = state
        let change = UnitStateChange(name: name, state: state)
        for listener in listeners.values { listener.yield(change) }
    }

    private static func state(from properties: [String: BusValue]) -> SystemdUnitState? {
        guard let load = properties["LoadState"]?.string, let active = properties["ActiveState"]?.string,
              let sub = properties["SubState"]?.string else { return nil }
        return SystemdUnitState(loadState: load, activeState: active, subState: sub)
    }

    private static func state(of properties: UnitProperties) -> SystemdUnitState {
        SystemdUnitState(
            loadState: properties.loadState, activeState: properties.activeState, subState: properties.subState,
            loadError: properties.loadState == "loaded" ? nil : properties.loadError?.message)
    }
}
