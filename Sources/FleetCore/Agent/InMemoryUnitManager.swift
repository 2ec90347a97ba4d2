

/// An in-memory `UnitManager` that models systemd's unit state machine, for unit tests and
/// the scale simulator. Every transition happens at once, in order, and is reported through
/// `stateChanges()`; every call is recorded in `calls`.
///
/// What it models, as systemd 252 behaves:
/// - a file is read when a unit is first loaded; a changed file needs `reloadIfNeeded()`;
///   a unit never loaded before needs no reload;
/// - instances load from their template's file when they have none of their own;
/// - a service without `ExecStart=` is rejected (`bad-setting`) with systemd's message;
/// - start: `activating/start`, then `active/running` (`active/exited` for a oneshot with
///   `RemainAfterExit=yes`, `inactive/dead` for another oneshot), or `failed/failed` when told
///   to fail with `failStart(of:)`;
/// - stop: `deactivating/stop-sigterm`, then `inactive/dead` (later, with `stopSlowly(_:)`);
///   a failed unit stays failed until
///   it is removed (reset-failed); restart is a stop (when running) then a start;
/// - a reload drops inactive units whose file is gone and marks running ones `not-found`.
public actor InMemoryUnitManager: UnitManager {
    /// One call made on the manager, for asserting the exact actions taken.
    public enum Call: Sendable, Hashable {
        case writeUnit(String)
        case removeUnit(String)
        case reload
        case load(String)
        case enable(String)
        case start(String)
        case stop(String)
        case restart(String)
    }

    private struct LoadedUnit {
        var contents: String?
        var state: SystemdUnitState
    }

    /// Every call in order (`reloadIfNeeded` is recorded as `.reload` only when it reloads).
    public private(set) var calls: [Call] = []
    /// The unit files in the fake units directory.
    public private(set) var files: [String: String] = [:]
    /// Units enabled at runtime (their `[Install]` section applied).
    public private(set) var enabledUnits: Set<String> = []
    /// How many reloads happened.
    public private(set) var reloadCount = 0

    private var units: [String: LoadedUnit] = [:]
    private var reloadPending = false
    private var startFailures: Set<String> = []
    private var rejections: [String: String] = [:]
    private var slowStops: Set<String> = []
    private var listeners: [Int: AsyncStream<UnitStateChange>.Continuation] = [:]
    private var nextListener = 0

    /// An empty machine: no files, no units.
    public init() {}

    // MARK: seeding

    /// Makes the unit's process fail whenever it starts (`failed/failed`).
    public func failStart(of name: String) { startFailures.insert(name) }

    /// Makes systemd reject the unit's file with this message (`bad-setting`).
    public func rejectFile(of name: String, message: String) { rejections[name] = message }

    /// Makes stopping the unit leave it `deactivating/stop-sigterm` until `finishStopping(_:)`:
    /// a process slow to exit.
    public func stopSlowly(_ name: String) { slowStops.insert(name) }

    /// The slow-stopping unit's process has exited: `inactive/dead`.
    public func finishStopping(_ name: String) {
        slowStops.remove(name)
        if units[name]?.state.activeState == "deactivating" { transition(name, activeState: "inactive", subState: "dead") }
    }

    /// Forgets the recorded calls.
    public func clearCalls() { calls = [] }

    /// Whether a reload is pending.
    public var needsReload: Bool { reloadPending }

    // MARK: UnitManager

    public func writeUnit(_ name: String, contents: String) async throws -> UnitFileWrite {
        try UnitNameRules.validate(name)
        calls.append(.writeUnit(name))
        let existing = files[name]
        files[name] = contents
        guard let existing else { return .created }
        if existing == contents { return .unchanged }
        reloadPending = true
        return .modified
    }

    public func removeUnit(_ name: String) async throws {
        try UnitNameRules.validate(name)
        calls.append(.removeUnit(name))
        enabledUnits.remove(name)
        if files.removeValue(forKey: name) != nil { reloadPending = true }
        // reset-failed, so the unit can be collected.
        if units[name]?.state.isFailed == true {
            transition(name, activeState: "inactive", subState: "dead")
        }
    }

    @discardableResult
    public func reloadIfNeeded() async throws -> Bool {
        guard reloadPending else { return false }
        calls.append(.reload)
        reloadPending = false
        reloadCount += 1
        for name in units.keys.sorted() {
            guard var unit = units[name] else { continue }
            let contents = file(for: name)
            if contents == nil && !unit.state.isActive && unit.state.activeState != "failed" {
                units[name] = nil
                publish(name, .notFound)
                continue
            }
            unit.contents = contents
            unit.state.loadState = contents == nil ? "not-found" : loadState(name, contents)
            unit.state.loadError = loadError(name, contents)
            units[name] = unit
            publish(name, unit.state)
        }
        return true
    }

    public func load(_ name: String) async throws -> SystemdUnitState {
        try UnitNameRules.validate(name)
        calls.append(.load(name))
        try refuseTemplate(name)
        return loadIntoMemory(name)
    }

    public func enable(_ name: String) async throws {
        try UnitNameRules.validate(name)
        calls.append(.enable(name))
        guard let contents = file(for: name) else {
            throw UnitManagerError(.notFound, unit: name, message: "Unit file \(name) does not exist.")
        }
        if Self.sections(of: contents).contains("Install"), !enabledUnits.contains(name) {
            enabledUnits.insert(name)
            reloadPending = true
        }
    }

    public func start(_ name: String) async throws {
        try UnitNameRules.validate(name)
        calls.append(.start(name))
        try activate(name)
    }

    public func restart(_ name: String) async throws {
        try UnitNameRules.validate(name)
        calls.append(.restart(name))
        try refuseTemplate(name)
        deactivate(name)
        try activate(name)
    }

    private func activate(_ name: String) throws {
        try refuseTemplate(name)
        let state = loadIntoMemory(name)
        switch state.loadState {
        case "loaded": break
        case "not-found": throw UnitManagerError(.notFound, unit: name, message: "Unit \(name) not found.")
        default: throw UnitManagerError(.loadFailed, unit: name, message: "Unit \(name) has a bad unit file setting.")
        }
        guard !state.isActive else { return }
        transition(name, activeState: "activating", subState: "start")
        let contents = units[name]?.contents ?? ""
        if startFailures.contains(name) {
            transition(name, activeState: "failed", subState: "failed")
        } else if Self.value(of: "Type", in: contents) == "oneshot" {
            if ["yes", "true", "1", "on"].contains(Self.value(of: "RemainAfterExit", in: contents) ?? "") {
                transition(name, activeState: "active", subState: "exited")
            } else {
                transition(name, activeState: "inactive", subState: "dead")
            }
        } else {
            transition(name, activeState: "active", subState: "running")
        }
    }

    public func stop(_ name: String) async throws {
        try UnitNameRules.validate(name)
        calls.append(.stop(name))
        deactivate(name)
    }

    private func deactivate(_ name: String) {
        guard let unit = units[name], unit.state.isActive || unit.state.activeState == "activating" else { return }
        transition(name, activeState: "deactivating", subState: "stop-sigterm")
        guard !slowStops.contains(name) else { return }
        transition(name, activeState: "inactive", subState: "dead")
    }

    public func states(of names: [String]) async throws -> [String: SystemdUnitState] {
        var states: [String: SystemdUnitState] = [:]
        for name in names {
            // Like ListUnitsByNames, asking loads a unit that has a file; templates never load.
            let valid = (try? UnitNameRules.validate(name)) != nil && !UnitNameRules.isTemplate(name)
            states[name] = valid ? loadIntoMemory(name) : .notFound
        }
        return states
    }

    public func managedUnits() async throws -> [String] {
        files.keys.sorted()
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

    // MARK: model

    /// systemd refuses to load a template itself: only its instances.
    private func refuseTemplate(_ name: String) throws {
        guard UnitNameRules.isTemplate(name) else { return }
        throw UnitManagerError(.systemd, unit: name, message: "Unit name \(name) is missing the instance name.")
    }

    /// The file systemd would read for a unit: its own, or its template's.
    private func file(for name: String) -> String? {
        if let own = files[name] { return own }
        return UnitNameRules.template(ofInstance: name).flatMap { files[$0] }
    }

    private func loadIntoMemory(_ name: String) -> SystemdUnitState {
        // A unit cached as not-found is retried once its file appears (systemd 252's unit cache).
        if let unit = units[name], unit.state.loadState != "not-found" || file(for: name) == nil {
            return unit.state
        }
        guard let contents = file(for: name) else { return units[name]?.state ?? .notFound }
        let state = SystemdUnitState(
            loadState: loadState(name, contents), activeState: units[name]?.state.activeState ?? "inactive",
            subState: units[name]?.state.subState ?? "dead", loadError: loadError(name, contents))
        units[name] = LoadedUnit(contents: contents, state: state)
        publish(name, state)
        return state
    }

    private func loadState(_ name: String, _ contents: String?) -> String {
        loadError(name, contents) == nil ? "loaded" : "bad-setting"
    }

    private func loadError(_ name: String, _ contents: String?) -> String? {
        guard let contents else { return nil }
        if let message = rejections[name] { return message }
        if name.hasSuffix(".service") && Self.value(of: "ExecStart", in: contents) == nil {
            return "Unit \(name) has a bad unit file setting."
        }
        return nil
    }

    private func transition(_ name: String, activeState: String, subState: String) {
        guard var unit = units[name] else { return }
        unit.state.activeState = activeState
        unit.state.subState = subState
        units[name] = unit
        publish(name, unit.state)
    }

    private func publish(_ name: String, _ state: SystemdUnitState) {
        let change = UnitStateChange(name: name, state: state)
        for listener in listeners.values { listener.yield(change) }
    }

    /// Section names of a unit file, in order.
    private static func sections(of contents: String) -> [String] {
        contents.split(whereSeparator: \.isNewline).compactMap { line in
            let trimmed = line.trimmingWhitespace()
            guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { return nil }
            return String(trimmed.dropFirst().dropLast())
        }
    }

    /// The last value of `Key=` in a unit file, trimmed.
    private static func value(of key: String, in contents: String) -> String? {
        var found: String?
        for line in contents.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingWhitespace()
            guard let equals = trimmed.firstIndex(of: "="),
                  trimmed[..<equals].trimmingWhitespace() == key else { continue }
            found = String(trimmed[trimmed.index(after: equals)...].trimmingWhitespace())
        }
        return found
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> Substring {
        var text = self[...]
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return Substring(text)
    }
}
