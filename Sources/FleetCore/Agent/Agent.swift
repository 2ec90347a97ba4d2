public import Logging

/// The agent: makes this machine's systemd run what the cluster scheduled here, and reports
/// the units' states.
///
/// It watches only its own schedule (`schedule/<machine>/`), the global units (`global/`) and
/// its own metadata overrides, so a placement elsewhere never wakes it. State reports come
/// from systemd's signals (through `UnitManager.stateChanges()`), coalesced, and only for
/// changes — no polling of all units.
public actor Agent {
    let registry: Registry
    let machineID: String
    let units: any UnitManager
    let logger: Logger
    let leaseSource: @Sendable () async -> Int64?
    /// How long state changes are gathered before they are published together.
    let coalescing: Duration

    /// This machine's metadata from its configuration (API overrides are applied on top).
    private var ownMetadata: [String: String]
    private var overrides = MetadataOverrideRecord()
    private var scheduled: [String: ScheduleRecord] = [:]
    private var globals: [String: DesiredRecord] = [:]
    /// Unit contents read from the registry, by name, with their hash.
    private var contents: [String: (hash: String, file: UnitFile)] = [:]
    private var applied: [String: AppliedUnit] = [:]
    /// Last state published per unit, to publish changes only.
    private var published: [String: UnitStateRecord] = [:]
    private var pendingStates: [String: SystemdUnitState] = [:]
    private var publishedLease: Int64 = 0
    private var reconciling = false
    private var flushing = false
    /// Names of the units that should run here, as of the last pass.
    private var targetsCache = Set<String>()
    private var retryTask: Task<Void, Never>?
    private var retryDelay: Duration = .seconds(1)
    /// States to withdraw that failed to be withdrawn; retried by the flushes.
    private var pendingWithdrawals = Set<String>()
    private let flushRequestStream: AsyncStream<Void>
    private let flushRequests: AsyncStream<Void>.Continuation
    /// Set by `fence()`: non-global units are not started until `unfence()`.
    private var fenced = false
    private var reconcileAgain = false
    /// Set by `purge()`: fleetd is stopping, no task runs any more.
    private var purged = false
    /// Counters for `/metrics` and the simulator.
    public private(set) var metrics = AgentMetrics()

    /// - Parameters:
    ///   - registry: the cluster state.
    ///   - machineID: this machine.
    ///   - metadata: this machine's configured metadata (for global units' eligibility).
    ///   - units: the local init system.
    ///   - logger: where tasks are logged with their reasons.
    ///   - coalescing: how long state changes are gathered before publishing.
    ///   - leaseSource: this machine's current lease (states are attached to it).
    public init(
        registry: Registry, machineID: String, metadata: [String: String], units: any UnitManager, logger: Logger,
        coalescing: Duration = .milliseconds(50), leaseSource: @escaping @Sendable () async -> Int64?
    ) {
        self.registry = registry
        self.machineID = machineID
        self.ownMetadata = metadata
        self.units = units
        self.logger = logger
        self.coalescing = coalescing
        self.leaseSource = leaseSource
        (flushRequestStream, flushRequests) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Changes this machine's configured metadata (SIGHUP) and re-decides global units.
    public func updateMetadata(_ metadata: [String: String]) async {
        ownMetadata = metadata
        await reconcile()
    }

    /// Self-fencing (`fence_on_disconnect`): the machine's lease could not be renewed, so the
    /// engine may already run its units elsewhere. Stops every non-global unit this agent
    /// started and starts none until `unfence()`. Files stay in place.
    /// - Returns: the units stopped.
    @discardableResult
    public func fence() async -> [String] {
        fenced = true
        var stopped: [String] = []
        for (name, done) in applied.sorted(by: { $0.key < $1.key }) where done.state == .launched && !isGlobal(name) {
            do {
                try await units.stop(name)
                applied[name]?.state = .loaded
                stopped.append(name)
            } catch {
                logger.warning("fencing: cannot stop unit", metadata: ["unit.name": "\(name)", "error": "\(error)"])
            }
        }
        logger.warning("fenced: stopped non-global units until the machine is registered again", metadata: [
            "units": "\(stopped.joined(separator: ","))",
        ])
        return stopped
    }

    /// Ends fencing (the machine is registered again): units still scheduled here start again.
    public func unfence() async {
        guard fenced else { return }
        // Read the schedule afresh first: during the partition the engine may have moved this
        // machine's units, and the watch may not have caught up yet.
        do {
            _ = try await loadDesired()
        } catch {
            logger.warning("fence kept: the schedule cannot be read yet", metadata: ["error": "\(error)"])
            scheduleUnfenceRetry()
            return
        }
        fenced = false
        logger.info("fence lifted; starting units still scheduled here")
        await reconcile()
    }

    private func scheduleUnfenceRetry() {
        Task {
            try? await Task.sleep(for: .seconds(1))
            await self.unfence()
        }
    }

    /// Whether the agent is fenced.
    public var isFenced: Bool { fenced }

    /// fleetd is stopping for good (not restarting): stops and removes every unit this agent
    /// manages and takes on no more work, so that once the machine's lease is revoked and the
    /// engine places the units elsewhere, no copy is left running here.
    /// - Parameter stopTimeout: how long to wait for systemd to finish stopping the units
    ///   (systemd's stop jobs return at once; the processes may take longer to end).
    /// - Returns: the units unloaded; a unit that could not be unloaded is logged and left.
    @discardableResult
    public func purge(stopTimeout: Duration = .seconds(20)) async -> [String] {
        purged = true
        retryTask?.cancel()
        retryTask = nil
        let names: [String]
        do {
            names = try await units.managedUnits().sorted()
        } catch {
            logger.warning("purge: cannot list managed units", metadata: ["error": "\(error)"])
            return []
        }
        guard !names.isEmpty else { return [] }
        for name in names {
            do {
                try await units.stop(name)
            } catch {
                logger.warning("purge: cannot stop unit", metadata: ["unit.name": "\(name)", "error": "\(error)"])
            }
        }
        await waitUntilStopped(names, timeout: stopTimeout)
        let failed = await unload(names.map { AgentTask(.unload, unit: $0, reason: "fleetd is stopping") })
        let unloaded = names.filter { !failed.contains($0) }
        logger.info("purged: unloaded this machine's units", metadata: ["units": "\(unloaded.joined(separator: ","))"])
        return unloaded
    }

    /// Polls systemd until none of the units is active, activating or deactivating any more.
    private func waitUntilStopped(_ names: [String], timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        var running: [String] = names
        while ContinuousClock.now < deadline {
            guard let states = try? await units.states(of: running) else { break }
            running = running.filter { name in
                guard let state = states[name] else { return false }
                return state.activeState != "inactive" && !state.isFailed
            }
            if running.isEmpty { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        logger.warning("purge: units still stopping; unloading them anyway", metadata: ["units": "\(running.joined(separator: ","))"])
    }

    private func isGlobal(_ name: String) -> Bool { scheduled[name] == nil && globals[name] != nil }

    /// Runs until cancelled: reconciles, follows the watches, publishes states. Running units
    /// keep running when it stops.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.publishStates() }
            group.addTask { await self.followRegistry() }
            await group.next()
            group.cancelAll()
        }
    }

    // MARK: Desired state from the registry

    private func followRegistry() async {
        var backoff = Duration.milliseconds(100)
        var inOutage = false
        while !Task.isCancelled {
            do {
                let revision = try await loadDesired()
                if inOutage {
                    inOutage = false
                    logger.info("registry reachable again")
                }
                await reconcile()
                backoff = .milliseconds(100)
                try await follow(from: revision + 1)
            } catch is CancellationError {
                return
            } catch {
                // etcd unreachable: keep running what runs, retry with backoff; warn once per
                // outage, the retries at debug level.
                if !inOutage {
                    inOutage = true
                    logger.warning("registry unreachable; units keep running, retrying", metadata: ["error": "\(error)"])
                } else {
                    logger.debug("registry still unreachable", metadata: ["error": "\(error)", "retry.after": "\(backoff)"])
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    private func loadDesired() async throws -> Int64 {
        let keys = registry.keys
        let schedule = try await registry.store.list(prefix: keys.schedule(machine: machineID))
        scheduled = [:]
        for pair in schedule.pairs {
            guard let name = keys.name(of: pair.key, under: keys.schedule(machine: machineID)),
                  let record = registry.decode(ScheduleRecord.self, pair) else { continue }
            scheduled[name] = record
        }
        globals = try await registry.globalUnits()
        overrides = try await registry.metadataOverrides()[machineID] ?? MetadataOverrideRecord()
        try await fetchContents()
        return schedule.revision
    }

    private func follow(from revision: Int64) async throws {
        let keys = registry.keys
        let store = registry.store
        let mine = keys.schedule(machine: machineID)
        let (updates, sink) = AsyncThrowingStream<WatchUpdate, any Error>.makeStream()
        let watchers = Task {
            await withTaskGroup(of: Void.self) { group in
                for prefix in [mine, keys.global, keys.metadata(machineID)] {
                    group.addTask {
                        do {
                            for try await update in store.watch(prefix: prefix, startRevision: revision) { sink.yield(update) }
                            sink.finish()
                        } catch {
                            sink.finish(throwing: error)
                        }
                    }
                }
            }
        }
        defer { watchers.cancel() }
        for try await update in updates {
            guard case .events(let events) = update else { return }  // compacted: reload
            metrics.wakeUps += 1
            let before = targets()
            for event in events {
                switch event {
                case .put(let pair, _):
                    if let name = keys.name(of: pair.key, under: mine) {
                        scheduled[name] = registry.decode(ScheduleRecord.self, pair)
                    } else if let name = keys.name(of: pair.key, under: keys.global) {
                        globals[name] = registry.decode(DesiredRecord.self, pair)
                    } else if pair.key == keys.metadata(machineID) {
                        overrides = registry.decode(MetadataOverrideRecord.self, pair) ?? MetadataOverrideRecord()
                    }
                case .delete(let key, _, _):
                    if let name = keys.name(of: key, under: mine) {
                        scheduled[name] = nil
                    } else if let name = keys.name(of: key, under: keys.global) {
                        globals[name] = nil
                    } else if key == keys.metadata(machineID) {
                        overrides = MetadataOverrideRecord()
                    }
                }
            }
            try await fetchContents()
            // Nothing this machine should run changed: the delivery woke it for nothing.
            if targets() == before { metrics.idleWakeUps += 1 }
            await reconcile()
        }
    }

    /// Reads the contents of units whose hash this agent has not seen.
    private func fetchContents() async throws {
        var wanted: [String: String] = [:]
        for (name, record) in scheduled { wanted[name] = record.hash }
        for (name, record) in globals where record.state != .inactive { wanted[name] = record.hash }
        let missing = wanted.filter { contents[$0.key]?.hash != $0.value }.keys.sorted()
        for unit in try await registry.units(named: missing) {
            contents[unit.name] = (unit.hash, UnitFile(options: unit.options))
        }
        for name in contents.keys where wanted[name] == nil { contents[name] = nil }
    }

    // MARK: Deciding and applying

    /// What should run here: scheduled units, and global units this machine is eligible for.
    func targets() -> [String: AgentTarget] {
        var targets: [String: AgentTarget] = [:]
        for (name, record) in scheduled where record.state != .inactive {
            guard let unit = contents[name], unit.hash == record.hash else { continue }
            targets[name] = AgentTarget(name: name, state: record.state, hash: unit.hash, file: unit.file, global: false)
        }
        let eligible = eligibleGlobals()
        for (name, record) in globals where record.state != .inactive && eligible.contains(name) {
            guard let unit = contents[name], unit.hash == record.hash else { continue }
            targets[name] = AgentTarget(name: name, state: record.state, hash: unit.hash, file: unit.file, global: true)
        }
        return targets
    }

    private func eligibleGlobals() -> Set<String> {
        func scheduledUnit(_ name: String, _ state: JobState) -> ScheduledUnit? {
            guard let unit = contents[name], let parsedName = try? UnitName(name),
                  let requirements = try? XFleetOptions(unitFile: unit.file, name: parsedName).requirements else { return nil }
            return ScheduledUnit(name: name, requirements: requirements, desiredState: state)
        }
        let globalUnits = globals.compactMap { scheduledUnit($0.key, $0.value.state) }
        guard !globalUnits.isEmpty else { return [] }
        let placedHere = scheduled.compactMap { scheduledUnit($0.key, $0.value.state) }
        let me = MachineState(id: machineID, metadata: overrides.applied(to: ownMetadata))
        let snapshot = SchedulingSnapshot(
            machines: [me], units: globalUnits + placedHere,
            placement: Dictionary(uniqueKeysWithValues: placedHere.map { ($0.name, machineID) }))
        return Set(Scheduler.globalEligibility(on: machineID, in: snapshot).filter { $0.value.isEligible }.keys)
    }

    /// Reconciles; a request arriving while a pass runs makes it run once more afterwards
    /// (the actor is reentrant at every await, and two interleaved passes would repeat tasks).
    func reconcile() async {
        guard !purged else { return }
        guard !reconciling else {
            reconcileAgain = true
            return
        }
        reconciling = true
        defer { reconciling = false }
        repeat {
            reconcileAgain = false
            await reconcileOnce()
        } while reconcileAgain
    }

    /// Plans and carries out the tasks. A failure stops the remaining tasks of that unit only
    /// (other units are unaffected); the next pass retries it.
    private func reconcileOnce() async {
        let managed: Set<String>
        do {
            managed = Set(try await units.managedUnits())
        } catch {
            logger.warning("cannot list managed units", metadata: ["error": "\(error)"])
            scheduleRetry()
            return
        }
        let targets = targets()
        targetsCache = Set(targets.keys)
        var tasks = AgentPlan.tasks(targets: targets, applied: applied, managed: managed)
        if fenced {
            tasks.removeAll { task in
                switch task.action {
                case .start, .restart: !isGlobal(task.unit)
                default: false
                }
            }
        }
        guard !tasks.isEmpty else { return }
        metrics.reconciles += 1
        var reloaded = false
        var failed = Set<String>()
        let unloads = tasks.filter { $0.action == .unload }
        if !unloads.isEmpty {
            failed = await unload(unloads)
        }
        for task in tasks where task.action != .unload && !failed.contains(task.unit) {
            if purged { return }  // purge() ran at an await of this pass
            // fence() may run at any await of this pass: never start a fenced unit.
            if fenced, task.action == .start || task.action == .restart, !isGlobal(task.unit) { continue }
            do {
                if task.rank >= 2 && !reloaded {
                    // One daemon-reload for the whole batch of file changes.
                    try await units.reloadIfNeeded()
                    reloaded = true
                }
                try await perform(task, target: targets[task.unit])
                logger.info("agent task done", metadata: ["task": "\(task)", "unit.name": "\(task.unit)"])
            } catch {
                failed.insert(task.unit)
                logger.warning("agent task failed", metadata: ["task": "\(task)", "error": "\(error)"])
                if case .load = task.action { await reportLoadFailure(task.unit, error) }
            }
        }
        if !reloaded { _ = try? await units.reloadIfNeeded() }
        if !failed.isEmpty { scheduleRetry() }
    }

    /// Runs another pass after a growing delay when tasks failed: nothing else may wake the
    /// agent on a quiet cluster.
    private func scheduleRetry() {
        guard retryTask == nil else { return }
        let delay = retryDelay
        retryDelay = min(retryDelay * 2, .seconds(30))
        retryTask = Task {
            try? await Task.sleep(for: delay)
            await self.retryFired()
        }
    }

    private func retryFired() async {
        retryTask = nil
        await reconcile()
        if retryTask == nil { retryDelay = .seconds(1) }
    }

    /// Unloads units as one batch (one daemon-reload for all), falling back to one at a time
    /// when the batch fails so one bad unit does not hold the others; withdraws their states.
    /// - Returns: the units that could not be unloaded.
    private func unload(_ tasks: [AgentTask]) async -> Set<String> {
        let names = tasks.map(\.unit)
        var failed = Set<String>()
        do {
            try await units.unload(names)
        } catch {
            for name in names {
                do {
                    try await units.unload([name])
                } catch {
                    failed.insert(name)
                    logger.warning("agent task failed", metadata: ["task": "unload \(name)", "error": "\(error)"])
                }
            }
        }
        var withdrawn: [String] = []
        for task in tasks where !failed.contains(task.unit) {
            let name = task.unit
            applied[name] = nil
            pendingStates[name] = nil
            if published.removeValue(forKey: name) != nil { withdrawn.append(name) }
            logger.info("agent task done", metadata: ["task": "\(task)", "unit.name": "\(name)"])
        }
        pendingWithdrawals.formUnion(withdrawn)
        flushRequests.yield()
        return failed
    }

    private func perform(_ task: AgentTask, target: AgentTarget?) async throws {
        let name = task.unit
        switch task.action {
        case .unload:
            _ = await unload([task])
        case .write(let file):
            _ = try await units.writeUnit(name, contents: file.serialized + "\n")
        case .load(let enable):
            let state = try await units.load(name)
            note(name, state)
            guard state.isLoaded else {
                // systemd rejected the file: its state says why. Nothing more to do until the
                // contents change, so record the target as done rather than retry forever.
                applied[name] = AppliedUnit(hash: target?.hash ?? "", state: target?.state ?? .loaded)
                throw AgentError.rejectedBySystemd(name, state.loadError ?? state.loadState)
            }
            if enable { try await units.enable(name) }
            applied[name] = AppliedUnit(hash: target?.hash ?? "", state: .loaded)
        case .stop:
            try await units.stop(name)
            if var done = applied[name] { done.state = .loaded; applied[name] = done }
        case .start:
            try await units.start(name)
            if var done = applied[name] { done.state = .launched; applied[name] = done }
        case .restart:
            try await units.restart(name)
            if var done = applied[name] { done.state = .launched; applied[name] = done }
        }
    }

    /// A unit that cannot be loaded or enabled shows that in its state, for `fleetctl` to see.
    private func reportLoadFailure(_ name: String, _ error: any Error) async {
        if case AgentError.rejectedBySystemd = error { return }  // its state already says so
        var state = (try? await units.states(of: [name]))?[name] ?? .notFound
        if state.loadError == nil { state.loadError = "\(error)" }
        if state.isLoaded { state.loadState = "error" }
        note(name, state)
    }

    // MARK: Publishing states

    private func note(_ name: String, _ state: SystemdUnitState) {
        pendingStates[name] = state
        flushRequests.yield()
    }

    /// Publishes state changes: a change schedules one flush after the coalescing delay (more
    /// changes meanwhile ride along). A slow tick catches a new lease and retries failed
    /// publishes; nothing runs while nothing changes.
    private func publishStates() async {
        let changes = await units.stateChanges()
        let requests = flushRequestStream
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await change in changes { await self.note(change.name, change.state) }
            }
            group.addTask {
                for await _ in requests {
                    try? await Task.sleep(for: self.coalescing)
                    await self.flushStates()
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    await self.flushStates()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Publishes what changed since the last flush; everything again under a new lease.
    /// Flushes run one at a time: two interleaved flushes could publish an older state after a
    /// newer one and believe it published.
    func flushStates() async {
        guard !flushing else { return }
        flushing = true
        defer { flushing = false }
        await flushOnce()
    }

    private func flushOnce() async {
        guard let lease = await leaseSource() else { return }
        if lease != publishedLease {
            // A new lease (the old one expired): the old records are gone, publish all again.
            guard let current = try? await units.states(of: Array(applied.keys)) else { return }
            published = [:]
            publishedLease = lease
            for (name, state) in current where pendingStates[name] == nil { pendingStates[name] = state }
        }
        if !pendingWithdrawals.isEmpty {
            let withdrawing = pendingWithdrawals.filter { applied[$0] == nil }.sorted()
            if (try? await registry.removeStates(units: withdrawing, machine: machineID)) != nil {
                pendingWithdrawals.subtract(withdrawing)
            }
        }
        let batch = pendingStates
        pendingStates = [:]
        for (name, state) in batch.sorted(by: { $0.key < $1.key }) {
            guard let done = applied[name] else {
                // Reported before the agent recorded the unit (during its load): keep it for the
                // next flush, unless the unit has gone meanwhile.
                if targetsCache.contains(name) { pendingStates[name] = pendingStates[name] ?? state }
                continue
            }
            let record = UnitStateRecord(
                hash: done.hash, loadState: state.loadState, activeState: state.activeState, subState: state.subState,
                jobState: done.state, loadError: state.loadError)
            guard published[name] != record else { continue }
            do {
                try await registry.publishState(record, unit: name, machine: machineID, lease: lease)
                published[name] = record
                metrics.statesPublished += 1
            } catch {
                pendingStates[name] = pendingStates[name] ?? state  // retry on the next flush
                // A timed-out write may still have landed: what etcd holds is unknown now, so
                // the next flush publishes even a state equal to the last one known published.
                published[name] = nil
            }
        }
    }
}

/// Counters of what an agent did.
public struct AgentMetrics: Sendable, Hashable {
    /// Watch deliveries received (each is a wake-up).
    public var wakeUps = 0
    /// Watch deliveries that changed nothing this machine should run (a global unit it is not
    /// eligible for, a schedule record rewritten as it was): wake-ups with nothing to do.
    public var idleWakeUps = 0
    /// Reconcile passes that had tasks to do.
    public var reconciles = 0
    public var statesPublished = 0
}

/// Why an agent task failed, beyond the unit manager's own errors.
enum AgentError: Error, CustomStringConvertible {
    /// systemd refused the unit file.
    case rejectedBySystemd(String, String)

    var description: String {
        switch self {
        case .rejectedBySystemd(let unit, let reason): "systemd rejected \(unit): \(reason)"
        }
    }
}
