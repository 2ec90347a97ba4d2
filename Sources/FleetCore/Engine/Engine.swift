public import Logging
import Foundation

/// The engine: campaigns for leadership and, while it leads, keeps the schedule in line with
/// the cluster. Watch-driven: one list, then one watch per prefix; each batch of events goes
/// through the scheduler's incremental entry point and the resulting writes go out in fenced,
/// batched transactions. A slow full resync is only a safety net.
public actor Engine {
    /// How the engine learns of changes.
    public enum Mode: Sendable {
        /// Watches, with a full resync every `resyncInterval`.
        case watch(resyncInterval: Duration)
        /// No watches (`disable_watches`): a full pass every `interval`.
        case poll(interval: Duration)
    }

    let registry: Registry
    let machineID: String
    let mode: Mode
    let logger: Logger
    let leaseSource: @Sendable () async -> Int64?
    /// What the engine did, for `/metrics` and tests.
    public private(set) var metrics = EngineMetrics()
    /// Whether this engine leads right now.
    public private(set) var isLeader = false

    /// - Parameters:
    ///   - registry: the cluster state.
    ///   - machineID: this machine, written into the leader key.
    ///   - mode: watch-driven (default) or polling.
    ///   - logger: where decisions are logged (info) and failures (warning).
    ///   - leaseSource: this machine's current lease; the leader key is attached to it, so
    ///     leadership ends when the machine does. Nil while the machine has none.
    public init(
        registry: Registry, machineID: String, mode: Mode, logger: Logger,
        leaseSource: @escaping @Sendable () async -> Int64?
    ) {
        self.registry = registry
        self.machineID = machineID
        self.mode = mode
        self.logger = logger
        self.leaseSource = leaseSource
    }

    /// Campaigns and leads until cancelled; resigns on the way out.
    public func run() async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                guard let lease = await leaseSource(), let fence = try await registry.campaign(machineID: machineID, lease: lease) else {
                    try await waitForVacancy()
                    continue
                }
                backoff = .milliseconds(100)
                isLeader = true
                metrics.leaderTransitions += 1
                metrics.leaderSince = Date().timeIntervalSince1970
                logger.info("engine leadership acquired", metadata: ["machine.id": "\(machineID)"])
                defer { isLeader = false }
                do {
                    try await lead(fence)
                } catch is CancellationError {
                    _ = try? await registry.resign(fence)
                    logger.info("engine resigned")
                    return
                } catch RegistryError.notLeader {
                    logger.warning("engine leadership lost")
                    continue
                } catch where Task.isCancelled {
                    // Cancelled while a request was in flight (reported as that request's error).
                    _ = try? await registry.resign(fence)
                    logger.info("engine resigned")
                    return
                }
                if Task.isCancelled { _ = try? await registry.resign(fence) }
            } catch is CancellationError {
                return
            } catch {
                metrics.reconcileFailures += 1
                logger.warning("engine pass failed; retrying", metadata: ["error": "\(error)", "retry.after": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    /// Waits until the leader key is deleted (or a while, for a lease to appear).
    private func waitForVacancy() async throws {
        let leaderKey = registry.keys.leader
        let pollEvery: Duration = .seconds(1)
        // Anchor the watch at a read: a delete between the failed campaign and the watch's
        // start is then seen, or the key is already gone.
        let current = try await registry.store.range(from: leaderKey, to: nil, limit: 1)
        guard !current.pairs.isEmpty else { return }
        let watch = registry.store.watch(prefix: leaderKey, startRevision: current.revision + 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await update in watch {
                    if case .events(let events) = update, events.contains(where: { if case .delete = $0 { true } else { false } }) {
                        return
                    }
                    if case .compacted = update { return }
                }
            }
            group.addTask { try await Task.sleep(for: pollEvery * 5) }
            try await group.next()
            group.cancelAll()
        }
    }

    // MARK: Leading

    private func lead(_ fence: LeaderFence) async throws {
        while !Task.isCancelled {
            var state = EngineState()
            let revision = try await load(&state)
            var scheduler = Scheduler(state.snapshot)
            let started = ContinuousClock.now
            try await write(state.scheduleChanges(for: scheduler.reconcile(), touched: Set(state.desired.keys)), fence, started)
            metrics.fullPasses += 1
            switch mode {
            case .poll(let interval):
                try await Task.sleep(for: interval)
                guard try await registry.stillLeads(fence) else { throw RegistryError.notLeader }
            case .watch(let resyncInterval):
                try await follow(from: revision + 1, &state, &scheduler, fence, resyncAfter: resyncInterval)
            }
        }
        throw CancellationError()
    }

    /// Reads everything the engine needs.
    /// - Returns: the revision the read saw (watches resume after it).
    private func load(_ state: inout EngineState) async throws -> Int64 {
        let store = registry.store
        let keys = registry.keys
        let units = try await store.list(prefix: keys.units)
        for pair in units.pairs {
            if let record = registry.decode(UnitRecord.self, pair) { _ = state.unitStored(record) }
        }
        for pair in try await store.list(prefix: keys.desired).pairs {
            guard let name = keys.name(of: pair.key, under: keys.desired), let record = registry.decode(DesiredRecord.self, pair) else { continue }
            _ = state.desiredStored(name, record.state)
        }
        for (id, record) in try await registry.metadataOverrides() { _ = state.overridesStored(id, record) }
        for pair in try await store.list(prefix: keys.machines).pairs {
            if let record = registry.decode(MachineRecord.self, pair) { _ = state.machineStored(record) }
        }
        state.scheduleRead(try await registry.schedules())
        return units.revision
    }

    /// Follows the watches until the resync interval passes, a watch reports compaction, or
    /// leadership is lost.
    private func follow(
        from revision: Int64, _ state: inout EngineState, _ scheduler: inout Scheduler, _ fence: LeaderFence,
        resyncAfter interval: Duration
    ) async throws {
        let keys = registry.keys
        let prefixes = [keys.units, keys.desired, keys.machines, keys.metadata, keys.leader]
        let inbox = UpdateInbox()
        let store = registry.store
        let watchers = Task {
            await withTaskGroup(of: Void.self) { group in
                for prefix in prefixes {
                    group.addTask {
                        do {
                            for try await update in store.watch(prefix: prefix, startRevision: revision) { inbox.push(update) }
                            // A watch that ends without an error leaves its prefix unwatched:
                            // end the pass so the engine relists and watches again.
                            inbox.finish()
                        } catch {
                            inbox.finish(throwing: error)
                        }
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: interval)
                    inbox.finish()
                }
            }
        }
        defer { watchers.cancel() }
        // Everything that arrived while the previous decisions were being written is handled
        // as one batch: one scheduler step per change, but one round of fenced transactions.
        for await _ in inbox.signals {
            let (updates, ended, error) = inbox.drain()
            var batch: [WatchEvent] = []
            var compacted = false
            for update in updates {
                switch update {
                case .events(let events): batch += events
                case .compacted: compacted = true
                }
            }
            if !batch.isEmpty {
                try await handle(batch, &state, &scheduler, fence)
            }
            if compacted { return }  // resync
            if let error { throw error }
            if ended { return }
        }
    }

    /// Turns a batch of events into scheduler changes and writes the resulting decisions.
    private func handle(
        _ batch: [WatchEvent], _ state: inout EngineState, _ scheduler: inout Scheduler, _ fence: LeaderFence
    ) async throws {
        let keys = registry.keys
        let started = ContinuousClock.now
        metrics.eventBatches += 1
        var touched = Set<String>()
        var changes: [ClusterChange] = []
        for event in batch {
            if event.key == keys.leader {
                guard case .put(let pair, _) = event, pair.createRevision == fence.revision else { throw RegistryError.notLeader }
                continue
            }
            if let change = ingest(event, &state, &touched) { changes.append(change) }
        }
        var plan = SchedulingPlan()
        for change in changes {
            let step = scheduler.apply(change)
            plan.decisions += step.decisions
            plan.unplaced = step.unplaced
        }
        try await write(state.scheduleChanges(for: plan, touched: touched), fence, started)
    }

    /// Turns one watch event into state and, where it matters, a scheduler change.
    private func ingest(_ event: WatchEvent, _ state: inout EngineState, _ touched: inout Set<String>) -> ClusterChange? {
        let keys = registry.keys
        switch event {
        case .put(let pair, _):
            if let name = keys.name(of: pair.key, under: keys.units), let record = registry.decode(UnitRecord.self, pair) {
                touched.insert(name)
                return state.unitStored(record)
            }
            if let name = keys.name(of: pair.key, under: keys.desired), let record = registry.decode(DesiredRecord.self, pair) {
                touched.insert(name)
                return state.desiredStored(name, record.state)
            }
            if keys.name(of: pair.key, under: keys.machines) != nil, let record = registry.decode(MachineRecord.self, pair) {
                return state.machineStored(record)
            }
            if let id = keys.name(of: pair.key, under: keys.metadata) {
                return state.overridesStored(id, registry.decode(MetadataOverrideRecord.self, pair))
            }
        case .delete(let key, _, _):
            if let name = keys.name(of: key, under: keys.units) { return state.unitDeleted(name) }
            if let name = keys.name(of: key, under: keys.desired) { return state.desiredDeleted(name) }
            if let id = keys.name(of: key, under: keys.machines) { return state.machineDeleted(id) }
            if let id = keys.name(of: key, under: keys.metadata) { return state.overridesStored(id, nil) }
        }
        return nil
    }

    private func write(_ changes: [ScheduleChange], _ fence: LeaderFence, _ started: ContinuousClock.Instant) async throws {
        guard !changes.isEmpty else { return }
        let transactions = try await registry.applySchedule(changes, fence: fence)
        metrics.record(changes: changes, transactions: transactions, latency: ContinuousClock.now - started)
        for change in changes {
            switch change {
            case .assign(let unit, let machine, let record):
                logger.info("scheduled unit", metadata: ["unit.name": "\(unit)", "machine.id": "\(machine)", "unit.state": "\(record.state.rawValue)"])
            case .unassign(let unit, let machine):
                logger.info("unscheduled unit", metadata: ["unit.name": "\(unit)", "machine.id": "\(machine)"])
            }
        }
    }
}

/// Counters of what the engine did (exported as `engine_*` metrics).
public struct EngineMetrics: Sendable, Hashable {
    public var leaderTransitions = 0
    /// When this engine last became leader (seconds since the epoch); nil if never.
    public var leaderSince: Double?
    /// Batches of watch events handled while leading (incremental reconciles).
    public var eventBatches = 0
    /// Passes that failed (etcd errors) and were retried.
    public var reconcileFailures = 0
    public var fullPasses = 0
    public var assignments = 0
    public var unassignments = 0
    public var transactions = 0
    /// Time from receiving a change to its schedule write being acknowledged, last one.
    public var lastDecisionLatency: Duration = .zero

    mutating func record(changes: [ScheduleChange], transactions: Int, latency: Duration) {
        for change in changes {
            if case .assign = change { assignments += 1 } else { unassignments += 1 }
        }
        self.transactions += transactions
        lastDecisionLatency = latency
    }
}
