import Logging
import Testing
@testable import FleetCore

/// Waits until `condition` holds, checking every 10 ms, for at most `seconds` (generous: the
/// whole suite runs in parallel on 2 cores, with real etcd processes beside it).
func eventually(_ seconds: Double = 15, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

@Suite struct EngineTests {
    let clock = ManualClock()
    let store: InMemoryKeyValueStore
    let registry: Registry

    init() {
        store = InMemoryKeyValueStore(clock: clock)
        registry = Registry(store: store)
    }

    func unit(_ name: String, _ xfleet: [(String, String)] = []) -> UnitRecord {
        let options = [UnitOption(section: "Service", name: "ExecStart", value: "/bin/true")]
            + xfleet.map { UnitOption(section: "X-Fleet", name: $0.0, value: $0.1) }
        let file = UnitFile(options: options)
        return UnitRecord(name: name, options: options, hash: file.hash.hex, global: xfleet.contains { $0.0 == "Global" })
    }

    func engine(_ id: String, lease: Int64, mode: Engine.Mode = .watch(resyncInterval: .seconds(60))) -> Engine {
        Engine(registry: registry, machineID: id, mode: mode, logger: Logger(label: "test.engine")) { lease }
    }

    @Test func placesUnitsFollowsDesiredStateAndReschedulesWhenAMachineLeaves() async throws {
        let leaseA = try await store.grantLease(ttl: .seconds(10))
        let leaseB = try await store.grantLease(ttl: .seconds(10))
        try await registry.registerMachine(MachineState(id: "a", metadata: ["disk": "ssd"]), lease: leaseA)
        try await registry.registerMachine(MachineState(id: "b", metadata: ["disk": "hdd"]), lease: leaseB)
        let running = Task { await engine("a", lease: leaseA).run() }
        defer { running.cancel() }

        try await registry.createUnit(unit("web.service", [("MachineMetadata", "disk=hdd")]), desiredState: .launched)
        try await registry.createUnit(unit("db.service"), desiredState: .loaded)
        #expect(try await eventually { try await registry.schedules()["web.service"]?.machine == "b" })
        #expect(try await eventually { try await registry.schedules()["db.service"]?.record.state == .loaded })

        // loaded → launched rewrites the record where it is; inactive unschedules.
        let dbMachine = try #require(try await registry.schedules()["db.service"]?.machine)
        try await registry.setDesiredState("db.service", to: .launched)
        #expect(try await eventually {
            let entry = try await registry.schedules()["db.service"]
            return entry?.record.state == .launched && entry?.machine == dbMachine
        })
        try await registry.setDesiredState("db.service", to: .inactive)
        #expect(try await eventually { try await registry.schedules()["db.service"] == nil })

        // Machine b leaves: web has nowhere to go (metadata), so it is only unscheduled.
        try await registry.createUnit(unit("any.service"), desiredState: .launched)
        #expect(try await eventually { try await registry.schedules()["any.service"] != nil })
        try await store.revokeLease(leaseB)
        #expect(try await eventually { try await registry.schedules()["web.service"] == nil })
        #expect(try await eventually { try await registry.schedules()["any.service"]?.machine == "a" })

        // Destroying a unit unschedules it.
        try await registry.destroyUnit("any.service")
        #expect(try await eventually { try await registry.schedules()["any.service"] == nil })
    }

    @Test func oneLeaderAndHandoverWhenItsLeaseExpires() async throws {
        let leaseA = try await store.grantLease(ttl: .seconds(5))
        let leaseB = try await store.grantLease(ttl: .seconds(60))
        try await registry.registerMachine(MachineState(id: "a"), lease: leaseA)
        try await registry.registerMachine(MachineState(id: "b"), lease: leaseB)
        let first = engine("a", lease: leaseA)
        let second = engine("b", lease: leaseB)
        let runA = Task { await first.run() }
        #expect(try await eventually { await first.isLeader })
        let runB = Task { await second.run() }
        defer { runA.cancel(); runB.cancel() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await second.isLeader == false)

        // a's lease expires (its fleetd died): b takes over and keeps scheduling.
        _ = try await store.keepAlive(lease: leaseB)
        try await Task.sleep(for: .milliseconds(1))
        clock.advance(by: .seconds(6))
        await store.expireLeases()
        #expect(try await eventually { await second.isLeader })
        try await registry.createUnit(unit("after.service"), desiredState: .launched)
        #expect(try await eventually { try await registry.schedules()["after.service"]?.machine == "b" })
    }

    @Test func pollingModeSchedulesWithoutWatches() async throws {
        let lease = try await store.grantLease(ttl: .seconds(10))
        try await registry.registerMachine(MachineState(id: "a"), lease: lease)
        let running = Task { await engine("a", lease: lease, mode: .poll(interval: .milliseconds(20))).run() }
        defer { running.cancel() }
        try await registry.createUnit(unit("x.service"), desiredState: .launched)
        #expect(try await eventually { try await registry.schedules()["x.service"]?.machine == "a" })
    }

    @Test func cancellingTheEngineResigns() async throws {
        let lease = try await store.grantLease(ttl: .seconds(10))
        let first = engine("a", lease: lease)
        let running = Task { await first.run() }
        #expect(try await eventually { await first.isLeader })
        running.cancel()
        #expect(try await eventually { try await registry.leader() == nil })
    }
}

@Suite struct EngineStateTests {
    @Test func desiredStateChangesRewriteTheRecordInPlace() {
        var state = EngineState()
        let options = [UnitOption(section: "Service", name: "ExecStart", value: "/bin/true")]
        _ = state.unitStored(UnitRecord(name: "u.service", options: options, hash: "h1", global: false))
        _ = state.desiredStored("u.service", .loaded)
        let placed = state.scheduleChanges(
            for: SchedulingPlan(decisions: [SchedulingDecision(.place, unit: "u.service", machineID: "m", reason: "r")]),
            touched: [])
        #expect(placed == [.assign(unit: "u.service", machine: "m", ScheduleRecord(state: .loaded, hash: "h1"))])
        _ = state.desiredStored("u.service", .launched)
        #expect(state.scheduleChanges(for: SchedulingPlan(), touched: ["u.service"])
            == [.assign(unit: "u.service", machine: "m", ScheduleRecord(state: .launched, hash: "h1"))])
        #expect(state.scheduleChanges(for: SchedulingPlan(), touched: ["u.service"]).isEmpty)
    }

    @Test func aMoveUnassignsTheOldMachine() {
        var state = EngineState()
        _ = state.unitStored(UnitRecord(name: "u.service", options: [], hash: "h", global: false))
        _ = state.desiredStored("u.service", .launched)
        state.scheduleRead(["u.service": ("old", ScheduleRecord(state: .launched, hash: "h"))])
        let plan = SchedulingPlan(decisions: [
            SchedulingDecision(.unschedule, unit: "u.service", machineID: "old", reason: "left"),
            SchedulingDecision(.place, unit: "u.service", machineID: "new", reason: "least loaded"),
        ])
        #expect(state.scheduleChanges(for: plan, touched: []) == [
            .unassign(unit: "u.service", machine: "old"),
            .assign(unit: "u.service", machine: "new", ScheduleRecord(state: .launched, hash: "h")),
        ])
    }

    @Test func unscheduledAndPlacedAgainOnTheSameMachineIsOnePut() {
        var state = EngineState()
        _ = state.unitStored(UnitRecord(name: "u.service", options: [], hash: "h", global: false))
        _ = state.desiredStored("u.service", .launched)
        state.scheduleRead(["u.service": ("m", ScheduleRecord(state: .loaded, hash: "h"))])
        let plan = SchedulingPlan(decisions: [
            SchedulingDecision(.unschedule, unit: "u.service", machineID: "m", reason: "left"),
            SchedulingDecision(.place, unit: "u.service", machineID: "m", reason: "back"),
        ])
        #expect(state.scheduleChanges(for: plan, touched: []) == [
            .assign(unit: "u.service", machine: "m", ScheduleRecord(state: .launched, hash: "h")),
        ])
    }

    @Test func aRecreatedUnitKeepsTheDesiredStateThatArrivedBeforeTheDelete() {
        var state = EngineState()
        let record = UnitRecord(name: "x.service", options: [], hash: "h", global: false)
        _ = state.unitStored(record)
        _ = state.desiredStored("x.service", .launched)
        // destroy + start: the desired watch delivers delete and put before the units watch does.
        _ = state.desiredDeleted("x.service")
        _ = state.desiredStored("x.service", .launched)
        _ = state.unitDeleted("x.service")
        #expect(state.unitStored(record) == .unitUpdated(ScheduledUnit(name: "x.service", desiredState: .launched)))
    }

    @Test func unitsWithInvalidXFleetAreNeverScheduled() {
        var state = EngineState()
        let bad = [UnitOption(section: "X-Fleet", name: "Global", value: "true"), UnitOption(section: "X-Fleet", name: "MachineID", value: "x")]
        _ = state.desiredStored("bad.service", .launched)
        #expect(state.unitStored(UnitRecord(name: "bad.service", options: bad, hash: "h", global: true)) == .unitRemoved("bad.service"))
        #expect(state.invalidUnits["bad.service"] != nil)
        #expect(state.snapshot.units.isEmpty)
    }
}

/// A store whose transactions take `delay` (an etcd under load), so changes pile up while the
/// engine writes.
struct SlowTransactionStore: KeyValueStore {
    let inner: any KeyValueStore
    let delay: Duration

    func range(from key: String, to end: String?, limit: Int) async throws -> RangeResult {
        try await inner.range(from: key, to: end, limit: limit)
    }

    func txn(_ compares: [KVCompare], success: [KVOperation], failure: [KVOperation]) async throws -> TxnResult {
        try await Task.sleep(for: delay)
        return try await inner.txn(compares, success: success, failure: failure)
    }

    func watch(prefix: String, startRevision: Int64) -> AsyncThrowingStream<WatchUpdate, any Error> {
        inner.watch(prefix: prefix, startRevision: startRevision)
    }

    func grantLease(ttl: Duration) async throws -> Int64 { try await inner.grantLease(ttl: ttl) }
    func keepAlive(lease: Int64) async throws -> Duration { try await inner.keepAlive(lease: lease) }
    func revokeLease(_ lease: Int64) async throws { try await inner.revokeLease(lease) }
}

@Suite struct EngineBatchingTests {
    @Test func changesArrivingWhileTheEngineWritesAreDecidedTogether() async throws {
        let store = InMemoryKeyValueStore(clock: ManualClock())
        let registry = Registry(store: store)
        let lease = try await store.grantLease(ttl: .seconds(30))
        for id in ["a", "b", "c"] { try await registry.registerMachine(MachineState(id: id), lease: lease) }
        // The engine's own writes take 20 ms; the units arrive one transaction each, faster.
        let slow = Registry(store: SlowTransactionStore(inner: store, delay: .milliseconds(20)))
        let engine = Engine(registry: slow, machineID: "a", mode: .watch(resyncInterval: .seconds(60)),
                            logger: Logger(label: "test.engine")) { lease }
        let running = Task { await engine.run() }
        defer { running.cancel() }
        #expect(try await eventually { await engine.isLeader })
        let options = [UnitOption(section: "Service", name: "ExecStart", value: "/bin/true")]
        let hash = UnitFile(options: options).hash.hex
        let count = 60
        for i in 0..<count {
            try await registry.createUnit(UnitRecord(name: "u\(i).service", options: options, hash: hash, global: false),
                                          desiredState: .launched)
        }
        #expect(try await eventually { try await registry.schedules().count == count })
        let metrics = await engine.metrics
        #expect(metrics.assignments == count)
        // One batch per unit would be 60 transactions; batching takes far fewer.
        #expect(metrics.transactions < count / 3)
        #expect(metrics.eventBatches < count / 3)
    }
}
