import FleetTesting
import Logging
import Testing
@testable import FleetCore

@Suite struct AgentTests {
    let clock = ManualClock()
    let store: InMemoryKeyValueStore
    let registry: Registry
    let systemd = InMemoryUnitManager()

    init() {
        store = InMemoryKeyValueStore(clock: clock)
        registry = Registry(store: store)
    }

    func record(_ name: String, _ extra: [UnitOption] = []) -> UnitRecord {
        let options = [UnitOption(section: "Service", name: "ExecStart", value: "/bin/sleep 1000")] + extra
        let file = UnitFile(options: options)
        return UnitRecord(name: name, options: options, hash: file.hash.hex, global: extra.contains { $0.name == "Global" })
    }

    func schedule(_ unit: UnitRecord, on machine: String, _ state: JobState) async throws {
        try await registry.applySchedule([.assign(unit: unit.name, machine: machine, ScheduleRecord(state: state, hash: unit.hash))], fence: nil)
    }

    func agent(_ id: String = "m1", metadata: [String: String] = [:], lease: Int64) -> Agent {
        Agent(registry: registry, machineID: id, metadata: metadata, units: systemd, logger: Logger(label: "test.agent"),
              coalescing: .milliseconds(5)) { lease }
    }

    func state(_ unit: String, _ machine: String = "m1") async throws -> UnitStateRecord? {
        try await registry.states(unit: unit).states.first { $0.machineID == machine }?.record
    }

    @Test func runsScheduledUnitsAndPublishesTheirStates() async throws {
        let lease = try await store.grantLease(ttl: .seconds(30))
        let hello = record("hello.service")
        try await registry.createUnit(hello, desiredState: .launched)
        try await schedule(hello, on: "m1", .launched)
        let running = Task { await agent(lease: lease).run() }
        defer { running.cancel() }

        #expect(try await eventually { try await state("hello.service")?.activeState == "active" })
        let published = try #require(try await state("hello.service"))
        #expect(published.subState == "running")
        #expect(published.jobState == .launched)
        #expect(published.hash == hello.hash)
        #expect(await systemd.calls.prefix(3) == [.writeUnit("hello.service"), .load("hello.service"), .start("hello.service")])

        // Desired loaded: stopped, still loaded.
        try await schedule(hello, on: "m1", .loaded)
        #expect(try await eventually { try await state("hello.service")?.activeState == "inactive" })
        #expect(try await state("hello.service")?.jobState == .loaded)

        // Unscheduled: unloaded, file removed, state withdrawn.
        try await registry.applySchedule([.unassign(unit: "hello.service", machine: "m1")], fence: nil)
        #expect(try await eventually { try await state("hello.service") == nil })
        #expect(await systemd.files["hello.service"] == nil)
    }

    @Test func unschedulingManyUnitsUnloadsThemWithOneReload() async throws {
        let lease = try await store.grantLease(ttl: .seconds(30))
        let units = (0..<5).map { record("u\($0).service") }
        for unit in units {
            try await registry.createUnit(unit, desiredState: .launched)
            try await schedule(unit, on: "m1", .launched)
        }
        let running = Task { await agent(lease: lease).run() }
        defer { running.cancel() }
        #expect(try await eventually { try await registry.states().states.count == 5 })
        let reloadsBefore = await systemd.reloadCount
        try await registry.applySchedule(units.map { .unassign(unit: $0.name, machine: "m1") }, fence: nil)
        #expect(try await eventually { try await registry.states().states.isEmpty })
        #expect(await systemd.files.isEmpty)
        #expect(await systemd.reloadCount - reloadsBefore == 1)
    }

    @Test func aPlacementElsewhereDoesNotWakeTheAgent() async throws {
        let lease = try await store.grantLease(ttl: .seconds(30))
        let mine = record("mine.service")
        try await registry.createUnit(mine, desiredState: .launched)
        try await schedule(mine, on: "m1", .launched)
        let me = agent(lease: lease)
        let running = Task { await me.run() }
        defer { running.cancel() }
        #expect(try await eventually { try await state("mine.service")?.activeState == "active" })
        let wakeUps = await me.metrics.wakeUps
        for i in 0..<5 {
            let other = record("other\(i).service")
            try await registry.createUnit(other, desiredState: .launched)
            try await schedule(other, on: "m2", .launched)
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await me.metrics.wakeUps == wakeUps)
        #expect(await systemd.files.keys.sorted() == ["mine.service"])
    }

    @Test func aWakeUpWithNothingToDoIsCountedIdle() async throws {
        let lease = try await store.grantLease(ttl: .seconds(30))
        let mine = record("mine.service")
        try await registry.createUnit(mine, desiredState: .launched)
        try await schedule(mine, on: "m1", .launched)
        let me = agent(metadata: ["role": "db"], lease: lease)
        let running = Task { await me.run() }
        defer { running.cancel() }
        // Running it proves the agent follows the registry from its first read on.
        #expect(try await eventually { try await state("mine.service")?.activeState == "active" })
        #expect(await me.metrics.wakeUps == 0)

        // A global unit this machine is not eligible for: delivered, nothing to do.
        let webOnly = record("web-exporter.service", [
            UnitOption(section: "X-Fleet", name: "Global", value: "true"),
            UnitOption(section: "X-Fleet", name: "MachineMetadata", value: "role=web"),
        ])
        try await registry.createUnit(webOnly, desiredState: .launched)
        // Both counters at once: the idle one is counted after the delivery's contents are read.
        #expect(try await eventually { let m = await me.metrics; return m.wakeUps == 1 && m.idleWakeUps == 1 })

        // The same schedule record written again: woken, nothing to do.
        try await schedule(mine, on: "m1", .launched)
        #expect(try await eventually { let m = await me.metrics; return m.wakeUps == 2 && m.idleWakeUps == 2 })

        // A new unit scheduled here: a wake-up with work.
        let second = record("second.service")
        try await registry.createUnit(second, desiredState: .launched)
        try await schedule(second, on: "m1", .launched)
        #expect(try await eventually { try await state("second.service")?.activeState == "active" })
        #expect(await me.metrics.wakeUps == 3)
        #expect(await me.metrics.idleWakeUps == 2)
        #expect(await systemd.calls.filter { $0 == .start("mine.service") }.count == 1)
    }

    @Test func aUnitThatFailsAndOneSystemdRejectsShowTheirStates() async throws {
        let lease = try await store.grantLease(ttl: .seconds(30))
        let failing = record("fail.service")
        let rejected = record("bad.service")
        let fine = record("fine.service")
        await systemd.failStart(of: "fail.service")
        await systemd.rejectFile(of: "bad.service", message: "Unit configuration has fatal error")
        for unit in [failing, rejected, fine] {
            try await registry.createUnit(unit, desiredState: .launched)
            try await schedule(unit, on: "m1", .launched)
        }
        let running = Task { await agent(lease: lease).run() }
        defer { running.cancel() }
        #expect(try await eventually { try await state("fail.service")?.activeState == "failed" })
        #expect(try await eventually { try await state("fine.service")?.activeState == "active" })
        #expect(try await eventually { try await state("bad.service")?.loadState == "bad-setting" })
        #expect(try await state("bad.service")?.loadError?.contains("Unit configuration has fatal error") == true)
    }

    @Test func globalUnitsRunWhereMetadataAllowsAndInstallSectionsAreEnabled() async throws {
        let lease = try await store.grantLease(ttl: .seconds(30))
        let exporter = record("exporter.service", [
            UnitOption(section: "X-Fleet", name: "Global", value: "true"),
            UnitOption(section: "X-Fleet", name: "MachineMetadata", value: "role=web"),
            UnitOption(section: "Install", name: "WantedBy", value: "multi-user.target"),
        ])
        try await registry.createUnit(exporter, desiredState: .launched)
        let web = agent("m1", metadata: ["role": "web"], lease: lease)
        let db = Agent(registry: registry, machineID: "m2", metadata: ["role": "db"], units: InMemoryUnitManager(),
                       logger: Logger(label: "test.agent"), coalescing: .milliseconds(5)) { lease }
        let runWeb = Task { await web.run() }
        let runDB = Task { await db.run() }
        defer { runWeb.cancel(); runDB.cancel() }
        #expect(try await eventually { try await state("exporter.service", "m1")?.activeState == "active" })
        #expect(await systemd.enabledUnits == ["exporter.service"])
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await state("exporter.service", "m2") == nil)

        // The API changes m2's metadata: the global unit follows.
        try await registry.setMetadataOverrides(MetadataOverrideRecord(set: ["role": "web"]), machine: "m2")
        #expect(try await eventually { try await state("exporter.service", "m2")?.activeState == "active" })
    }

    @Test func statesArePublishedAgainUnderANewLease() async throws {
        let first = try await store.grantLease(ttl: .seconds(5))
        let second = try await store.grantLease(ttl: .seconds(60))
        let hello = record("hello.service")
        try await registry.createUnit(hello, desiredState: .launched)
        try await schedule(hello, on: "m1", .launched)
        let current = LeaseBox(first)
        let me = Agent(registry: registry, machineID: "m1", metadata: [:], units: systemd, logger: Logger(label: "test.agent"),
                       coalescing: .milliseconds(5)) { current.value }
        let running = Task { await me.run() }
        defer { running.cancel() }
        #expect(try await eventually { try await state("hello.service") != nil })
        _ = try await store.keepAlive(lease: second)
        clock.advance(by: .seconds(6))
        await store.expireLeases()
        #expect(try await state("hello.service") == nil)
        current.value = second
        #expect(try await eventually { try await state("hello.service")?.activeState == "active" })
        // The unit was not restarted for it.
        #expect(await systemd.calls.filter { $0 == .start("hello.service") }.count == 1)
    }

    /// An agent for m1, with hello.service scheduled on m1 and everywhere.service global.
    func agentWithHelloAndAGlobalUnit() async throws -> Agent {
        let lease = try await store.grantLease(ttl: .seconds(30))
        let hello = record("hello.service")
        let everywhere = record("everywhere.service", [UnitOption(section: "X-Fleet", name: "Global", value: "true")])
        try await registry.createUnit(hello, desiredState: .launched)
        try await registry.createUnit(everywhere, desiredState: .launched)
        try await schedule(hello, on: "m1", .launched)
        return agent(lease: lease)
    }

    @Test func fenceStopsNonGlobalUnitsUntilUnfenced() async throws {
        let agent = try await agentWithHelloAndAGlobalUnit()
        let running = Task { await agent.run() }
        defer { running.cancel() }
        func active(_ name: String) async throws -> Bool {
            try await systemd.states(of: [name])[name]?.activeState == "active"
        }
        #expect(try await eventually { try await active("hello.service") })
        #expect(try await eventually { try await active("everywhere.service") })

        #expect(await agent.fence() == ["hello.service"])
        #expect(try await !active("hello.service"))
        #expect(try await active("everywhere.service"))  // global units are this machine's own
        #expect(await systemd.files["hello.service"] != nil)  // stopped, not unloaded

        // A registry change while fenced does not start it again.
        let other = record("other.service")
        try await registry.createUnit(other, desiredState: .launched)
        try await schedule(other, on: "m1", .launched)
        #expect(try await eventually { await systemd.files["other.service"] != nil })
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await !active("hello.service"))
        #expect(try await !active("other.service"))

        // Registered again: what is still scheduled here starts; what moved away is unloaded.
        try await registry.applySchedule([.unassign(unit: "other.service", machine: "m1")], fence: nil)
        #expect(try await eventually { await systemd.files["other.service"] == nil })
        await agent.unfence()
        #expect(try await eventually { try await active("hello.service") })
        #expect(await agent.isFenced == false)
    }

    @Test func purgeUnloadsEveryUnitAndTakesNoMoreWork() async throws {
        let agent = try await agentWithHelloAndAGlobalUnit()
        let running = Task { await agent.run() }
        #expect(try await eventually { try await state("hello.service")?.activeState == "active" })
        #expect(try await eventually { try await state("everywhere.service")?.activeState == "active" })
        // fleetd stops the agent's loop first, then purges.
        running.cancel()
        await running.value

        // hello.service's process takes its time to exit: nothing is unloaded (and fleetd does
        // not give up the lease) before it has.
        await systemd.stopSlowly("hello.service")
        let purging = Task { await agent.purge() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await systemd.states(of: ["hello.service"])["hello.service"]?.activeState == "deactivating")
        #expect(await systemd.files["hello.service"] != nil)
        #expect(await systemd.files["everywhere.service"] != nil)
        await systemd.finishStopping("hello.service")
        #expect(await purging.value == ["everywhere.service", "hello.service"])
        #expect(await systemd.files.isEmpty)
        let left = try await systemd.states(of: ["hello.service", "everywhere.service"])
        #expect(left.values.allSatisfy { $0.activeState != "active" })

        // Nothing is started again afterwards, whatever the registry says.
        let calls = await systemd.calls.count
        await agent.reconcile()
        #expect(await systemd.calls.count == calls)
    }
}

/// A lease ID the test changes while an agent reads it.
final class LeaseBox: @unchecked Sendable {
    private let lock = NSLockLike()
    private var stored: Int64
    init(_ value: Int64) { stored = value }
    var value: Int64 {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

import Synchronization

final class NSLockLike: Sendable {
    private let mutex = Mutex(())
    func withLock<T>(_ body: () -> T) -> T { mutex.withLock { _ in body() } }
}
