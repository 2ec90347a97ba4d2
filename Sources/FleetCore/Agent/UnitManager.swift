/// The agent's seam to the machine's init system: write unit files, have systemd load, start
/// and stop them, and learn their states.
///
/// The real implementation drives systemd over D-Bus; `InMemoryUnitManager` models
/// systemd's state machine in memory.
///
/// Reloads are batched by the caller: `writeUnit` and `removeUnit` only note that systemd must
/// reread its files, and one `reloadIfNeeded()` after a batch of writes does it (a reload costs
/// 90–270 ms). A unit systemd never loaded needs no reload: `load` finds its new file.
public protocol UnitManager: Sendable {
    /// Writes a unit file into the units directory and links it into systemd at runtime.
    /// The name is validated before anything is written.
    /// - Parameters:
    ///   - name: the unit name (`hello.service`, `web@.service`).
    ///   - contents: the unit file's text.
    /// - Returns: what changed; `.modified` means a reload is pending.
    /// - Throws: `UnitManagerError` (`.invalidName`, `.fileSystem`, `.systemd`).
    func writeUnit(_ name: String, contents: String) async throws -> UnitFileWrite

    /// Removes a unit's file, its link and any runtime enablement; notes a reload is pending.
    /// Stop the unit first: a running unit keeps running without its file.
    /// - Parameter name: the unit name.
    /// - Throws: `UnitManagerError`.
    func removeUnit(_ name: String) async throws

    /// Has systemd reread its unit files if a write or removal since the last reload needs it.
    /// - Returns: whether a reload happened.
    /// - Throws: `UnitManagerError` when the reload fails.
    @discardableResult
    func reloadIfNeeded() async throws -> Bool

    /// Loads a unit into systemd and reports its state (with the load error if systemd rejected
    /// the file). A rejected file is not an error here: it is the unit's state.
    /// - Parameter name: the unit name.
    /// - Returns: the unit's state after loading.
    /// - Throws: `UnitManagerError` when systemd cannot be asked.
    func load(_ name: String) async throws -> SystemdUnitState

    /// Enables a unit's `[Install]` section at runtime (under `/run`).
    /// - Parameter name: the unit name.
    /// - Throws: `UnitManagerError` when enabling fails; the caller treats that as a failed load.
    func enable(_ name: String) async throws

    /// Queues a start job (mode `replace`) and returns without waiting for it.
    /// - Parameter name: the unit name.
    /// - Throws: `UnitManagerError` (`.notFound`, `.loadFailed`, `.systemd`).
    func start(_ name: String) async throws

    /// Queues a stop job (mode `replace`) and returns without waiting for it.
    /// - Parameter name: the unit name.
    /// - Throws: `UnitManagerError`.
    func stop(_ name: String) async throws

    /// Queues a restart job (mode `replace`): stops the unit if it runs, then starts it.
    /// - Parameter name: the unit name.
    /// - Throws: `UnitManagerError` (`.notFound`, `.loadFailed`, `.systemd`).
    func restart(_ name: String) async throws

    /// The states of the named units; a unit systemd has no file for, and a template (never
    /// loaded itself), is `.notFound`.
    /// - Parameter names: unit names.
    /// - Returns: one state per name.
    /// - Throws: `UnitManagerError` when systemd cannot be asked.
    func states(of names: [String]) async throws -> [String: SystemdUnitState]

    /// The names of the unit files in the units directory (what this agent manages).
    /// - Throws: `UnitManagerError` when the directory cannot be read.
    func managedUnits() async throws -> [String]

    /// Unloads units: stops each, removes its file, link and enablement, then reloads systemd
    /// once for the whole batch.
    /// - Parameter names: unit names.
    /// - Throws: the first `UnitManagerError`; units before it are already unloaded.
    func unload(_ names: [String]) async throws

    /// A stream of state changes of the units this manager has written, loaded or started
    /// (and instances of its templates). Each change is reported once; a new stream sees
    /// changes from the moment it is made.
    func stateChanges() async -> AsyncStream<UnitStateChange>
}

extension UnitManager {
    /// The plain sequence: stop and remove each unit, then one `reloadIfNeeded()`.
    public func unload(_ names: [String]) async throws {
        for name in names {
            try await stop(name)
            try await removeUnit(name)
        }
        try await reloadIfNeeded()
    }
}
