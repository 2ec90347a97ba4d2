import FleetCore
import Logging

/// A model of the original fleet's agent, for `fleet-bench sim --mode original` only (FleetCore
/// is not bent for it). It keeps the original's design on our keyspace:
/// - it watches the **whole keyspace** (the original's recursive etcd v2 watch), so every
///   change anywhere — another machine's schedule, any unit's state — wakes it;
/// - each wake-up triggers a reconcile that **rereads the whole schedule** (every machine's
///   assignments), the global units and its metadata overrides, then the contents it lacks
///   (wake-ups that arrive during a reconcile coalesce into one more: generous to the original);
/// - it **republishes every unit's state each TTL/2**, besides publishing changes.
/// Tasks are the same `AgentPlan` as ours, carried out on the same `InMemoryUnitManager`.
/// Global units are run on every machine (the simulated globals carry no constraints).
actor OriginalAgent {
    let registry: Registry
    let machineID: String
    let units: InMemoryUnitManager
    let ttl: Duration
    let leaseSource: @Sendable () async -> Int64?

    private var applied: [String: AppliedUnit] = [:]
    private var contents: [String: (hash: String, file: UnitFile)] = [:]
    private var pending: [String: SystemdUnitState] = [:]
    private var lastPublished: [String: UnitStateRecord] = [:]
    private var flushing = false
    private var publishedLease: Int64 = 0
    private(set) var metrics = WakeCounters()
    /// Reconciles that had tasks to do.
    private(set) var reconciles = 0
    /// Whole-schedule rereads done.
    private(set) var rereads = 0

    init(registry: Registry, machineID: String, units: InMemoryUnitManager, ttl: Duration,
         leaseSource: @escaping @Sendable () async -> Int64?) {
        self.registry = registry
        self.machineID = machineID
        self.units = units
        self.ttl = ttl
        self.leaseSource = leaseSource
    }

    func run() async {
        let (triggers, trigger) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let changes = await units.stateChanges()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchEverything(trigger) }
            group.addTask {
                for await _ in triggers { await self.reconcile() }
            }
            group.addTask {
                for await change in changes { await self.note(change.name, change.state) }
            }
            group.addTask {
                // Changes are published after the same 50 ms as ours; everything again each TTL/2.
                var sinceFull = Duration.zero
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(50))
                    sinceFull += .milliseconds(50)
                    let all = sinceFull >= self.ttl / 2
                    if all { sinceFull = .zero }
                    await self.flush(all: all)
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func watchEverything(_ trigger: AsyncStream<Void>.Continuation) async {
        let keys = registry.keys
        let mine = keys.schedule(machine: machineID)
        while !Task.isCancelled {
            do {
                let start = try await registry.store.range(from: keys.leader, to: nil, limit: 1).revision
                trigger.yield()
                for try await update in registry.store.watch(prefix: keys.root, startRevision: start + 1) {
                    guard case .events(let events) = update else { break }
                    metrics.wakeUps += 1
                    let concernsMe = events.contains { event in
                        event.key.hasPrefix(mine) || event.key.hasPrefix(keys.global) || event.key == keys.metadata(machineID)
                    }
                    if !concernsMe { metrics.idleWakeUps += 1 }
                    trigger.yield()
                }
            } catch {
                if Task.isCancelled { return }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Rereads the whole schedule and carries out what changed for this machine.
    private func reconcile() async {
        do {
            rereads += 1
            var wanted: [String: (state: JobState, hash: String, global: Bool)] = [:]
            for (unit, entry) in try await registry.schedules() where entry.machine == machineID {
                wanted[unit] = (entry.record.state, entry.record.hash, false)
            }
            for (unit, record) in try await registry.globalUnits() { wanted[unit] = (record.state, record.hash, true) }
            _ = try await registry.metadataOverrides()
            let missing = wanted.filter { contents[$0.key]?.hash != $0.value.hash }.keys.sorted()
            for unit in try await registry.units(named: missing) {
                contents[unit.name] = (unit.hash, UnitFile(options: unit.options))
            }
            var targets: [String: AgentTarget] = [:]
            for (name, want) in wanted where want.state != .inactive {
                guard let unit = contents[name], unit.hash == want.hash else { continue }
                targets[name] = AgentTarget(name: name, state: want.state, hash: unit.hash, file: unit.file, global: want.global)
            }
            let tasks = AgentPlan.tasks(targets: targets, applied: applied, managed: Set(try await units.managedUnits()))
            guard !tasks.isEmpty else { return }
            reconciles += 1
            var gone: [String] = []
            for task in tasks {
                switch task.action {
                case .unload:
                    try await units.unload([task.unit])
                    applied[task.unit] = nil
                    gone.append(task.unit)
                case .write(let file):
                    _ = try await units.writeUnit(task.unit, contents: file.serialized + "\n")
                case .load:
                    note(task.unit, try await units.load(task.unit))
                    applied[task.unit] = AppliedUnit(hash: targets[task.unit]?.hash ?? "", state: .loaded)
                case .stop:
                    try await units.stop(task.unit)
                    applied[task.unit]?.state = .loaded
                case .start:
                    try await units.start(task.unit)
                    applied[task.unit]?.state = .launched
                case .restart:
                    try await units.restart(task.unit)
                    applied[task.unit]?.state = .launched
                }
            }
            try await units.reloadIfNeeded()
            for name in gone {
                pending[name] = nil
                lastPublished[name] = nil
            }
            if !gone.isEmpty { try await registry.removeStates(units: gone, machine: machineID) }
        } catch {
            // The next change tries again (under an overloaded etcd, rereads time out).
            metrics.failedRereads += 1
        }
    }

    private func note(_ name: String, _ state: SystemdUnitState) {
        pending[name] = state
    }

    private func flush(all: Bool) async {
        guard !flushing, let lease = await leaseSource() else { return }
        flushing = true
        defer { flushing = false }
        if all || lease != publishedLease {
            publishedLease = lease
            guard let current = try? await units.states(of: Array(applied.keys)) else { return }
            for (name, state) in current { pending[name] = state }
            lastPublished = [:]
        }
        let batch = pending
        pending = [:]
        for (name, state) in batch.sorted(by: { $0.key < $1.key }) {
            guard let done = applied[name] else { continue }
            let record = UnitStateRecord(hash: done.hash, loadState: state.loadState, activeState: state.activeState,
                                         subState: state.subState, jobState: done.state, loadError: state.loadError)
            guard lastPublished[name] != record else { continue }
            do {
                try await registry.publishState(record, unit: name, machine: machineID, lease: lease)
                lastPublished[name] = record
                metrics.statesPublished += 1
            } catch {
                pending[name] = pending[name] ?? state
            }
        }
    }
}
