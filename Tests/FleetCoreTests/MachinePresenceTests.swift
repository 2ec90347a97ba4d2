import Logging
import Synchronization
import Testing
@testable import FleetCore

/// An in-memory store that can be cut off, as an unreachable etcd.
final class SeveredStore: KeyValueStore {
    let inner: InMemoryKeyValueStore
    private let down = Mutex(false)
    private let renewals = Mutex(0)

    /// Successful keep-alives so far.
    var renewalCount: Int { renewals.withLock { $0 } }

    init(_ inner: InMemoryKeyValueStore) { self.inner = inner }

    func sever(_ severed: Bool) { down.withLock { $0 = severed } }

    private func check() throws {
        if down.withLock({ $0 }) { throw KeyValueStoreError(.unavailable, "severed store: no endpoint answered") }
    }

    func range(from key: String, to end: String?, limit: Int) async throws -> RangeResult {
        try check()
        return try await inner.range(from: key, to: end, limit: limit)
    }

    func txn(_ compares: [KVCompare], success: [KVOperation], failure: [KVOperation]) async throws -> TxnResult {
        try check()
        return try await inner.txn(compares, success: success, failure: failure)
    }

    func watch(prefix: String, startRevision: Int64) -> AsyncThrowingStream<WatchUpdate, any Error> {
        inner.watch(prefix: prefix, startRevision: startRevision)
    }

    func grantLease(ttl: Duration) async throws -> Int64 {
        try check()
        return await inner.grantLease(ttl: ttl)
    }

    func keepAlive(lease: Int64) async throws -> Duration {
        try check()
        let ttl = try await inner.keepAlive(lease: lease)
        renewals.withLock { $0 += 1 }
        return ttl
    }

    func revokeLease(_ lease: Int64) async throws {
        try check()
        try await inner.revokeLease(lease)
    }
}

@Suite struct MachinePresenceTests {
    let clock = ManualClock()
    let memory: InMemoryKeyValueStore
    let store: SeveredStore
    let registry: Registry
    let me = MachineState(id: "m1", publicIP: "10.0.0.1", metadata: ["region": "east"])

    init() {
        memory = InMemoryKeyValueStore(clock: clock)
        store = SeveredStore(memory)
        registry = Registry(store: store)
    }

    func presence(ttl: Duration = .milliseconds(300)) -> MachinePresence {
        MachinePresence(registry: registry, machine: me, ttl: ttl, logger: Logger(label: "test.presence"), clock: clock,
                        maximumBackoff: .milliseconds(20))
    }

    func machineLease() async throws -> Int64? {
        try await memory.get(registry.keys.machine("m1"))?.lease
    }

    @Test func registersUnderALeaseAndRenewsIt() async throws {
        let presence = presence()
        let running = Task { await presence.run() }
        defer { running.cancel() }
        #expect(try await eventually { await presence.currentLease() != nil })
        let lease = try #require(await presence.currentLease())
        #expect(try await machineLease() == lease)
        #expect(try await registry.machines() == [me])
        // Renewed every TTL/3: letting less than the TTL pass between renewals never lets
        // the lease expire, however long the test machine takes.
        for _ in 0..<4 {
            let before = store.renewalCount
            #expect(try await eventually { store.renewalCount > before })
            clock.advance(by: .milliseconds(200))
        }
        #expect(try await machineLease() == lease)
        #expect(await presence.currentLease() == lease)
    }

    @Test func aLostLeaseIsReplacedAndTheMachineRegisteredAgain() async throws {
        let presence = presence()
        var events = presence.events.makeAsyncIterator()
        let running = Task { await presence.run() }
        defer { running.cancel() }
        let first = try #require(await events.next())
        guard case .registered(let lease) = first else { Issue.record("expected registration, got \(first)"); return }
        try await memory.revokeLease(lease)  // as if it had expired
        #expect(try await registry.machines().isEmpty)
        let second = try #require(await events.next())
        guard case .registered(let renewed) = second else { Issue.record("expected registration, got \(second)"); return }
        #expect(renewed != lease)
        #expect(try await machineLease() == renewed)
        #expect(await presence.currentLease() == renewed)
    }

    @Test func reportsRenewalOverdueOncePerOutageAndRecovers() async throws {
        let ttl = Duration.milliseconds(300)
        let presence = presence(ttl: ttl)
        var events = presence.events.makeAsyncIterator()
        let running = Task { await presence.run() }
        defer { running.cancel() }
        guard case .registered(let lease) = try #require(await events.next()) else { Issue.record("no registration"); return }

        store.sever(true)
        clock.advance(by: ttl + .milliseconds(50))
        #expect(await events.next() == .renewalOverdue)
        // The cluster dropped the machine meanwhile.
        await memory.expireLeases()
        store.sever(false)
        guard case .registered(let renewed) = try #require(await events.next()) else { Issue.record("no re-registration"); return }
        #expect(renewed != lease)
        #expect(try await registry.machines() == [me])
    }

    @Test func aLeaseThatSurvivedTheOutageReportsReconnected() async throws {
        // The presence's own clock runs past the TTL; the store's does not (its lease lives).
        let presenceClock = ManualClock()
        let presence = MachinePresence(registry: registry, machine: me, ttl: .milliseconds(300),
                                       logger: Logger(label: "test.presence"), clock: presenceClock,
                                       maximumBackoff: .milliseconds(20))
        var events = presence.events.makeAsyncIterator()
        let running = Task { await presence.run() }
        defer { running.cancel() }
        guard case .registered(let lease) = try #require(await events.next()) else { Issue.record("no registration"); return }
        store.sever(true)
        presenceClock.advance(by: .milliseconds(400))
        #expect(await events.next() == .renewalOverdue)
        store.sever(false)
        #expect(await events.next() == .reconnected)
        #expect(await presence.currentLease() == lease)
    }

    @Test func overdueIsReportedBeforeTheLeaseCanExpire() async throws {
        let ttl = Duration.milliseconds(300)
        let presence = presence(ttl: ttl)
        var events = presence.events.makeAsyncIterator()
        let running = Task { await presence.run() }
        defer { running.cancel() }
        guard case .registered = try #require(await events.next()) else { Issue.record("no registration"); return }
        store.sever(true)
        // 250 ms without a renewal: past 2/3 of the TTL, not yet past the TTL.
        clock.advance(by: .milliseconds(250))
        #expect(await events.next() == .renewalOverdue)
    }

    @Test func noOverdueReportWhileWithinTheTTL() async throws {
        let presence = presence(ttl: .seconds(30))
        let running = Task { await presence.run() }
        #expect(try await eventually { await presence.currentLease() != nil })
        store.sever(true)
        clock.advance(by: .seconds(10))
        try await Task.sleep(for: .milliseconds(200))  // several failed retries
        running.cancel()
        await running.value
        await presence.shutdown()  // fails (severed) but ends the event stream
        var seen: [MachinePresence.Event] = []
        for await event in presence.events { seen.append(event) }
        #expect(seen.count == 1)
        #expect(!seen.contains(.renewalOverdue))
    }

    @Test func waitForLeaseReturnsOnceRegistered() async throws {
        let presence = presence(ttl: .seconds(30))
        store.sever(true)
        let running = Task { await presence.run() }
        defer { running.cancel() }
        let waiter = Task { await presence.waitForLease(); return await presence.currentLease() }
        try await Task.sleep(for: .milliseconds(100))
        store.sever(false)
        #expect(await waiter.value != nil)
    }

    @Test func shutdownRevokesTheLeaseAtOnce() async throws {
        let presence = presence(ttl: .seconds(30))
        let running = Task { await presence.run() }
        #expect(try await eventually { await presence.currentLease() != nil })
        await presence.shutdown()
        await running.value  // run() ends after shutdown
        #expect(try await registry.machines().isEmpty)
        #expect(await presence.currentLease() == nil)
    }

    @Test func aKeptLeaseIsResumedByTheNextPresenceAndTheMachineNeverLeaves() async throws {
        let first = presence(ttl: .seconds(30))
        let running = Task { await first.run() }
        #expect(try await eventually { await first.currentLease() != nil })
        let lease = try #require(await first.currentLease())
        await first.shutdown(keepingLease: true)
        await running.value
        #expect(try await registry.machines() == [me])  // still there: nothing to reschedule
        #expect(try await machineLease() == lease)

        let watch = memory.watch(prefix: registry.keys.machines, startRevision: try await memory.get(registry.keys.machine("m1"))!.modRevision + 1)
        let second = MachinePresence(registry: registry, machine: me, ttl: .seconds(30), logger: Logger(label: "test.presence"),
                                     clock: clock, maximumBackoff: .milliseconds(20), resumeLease: lease)
        let again = Task { await second.run() }
        defer { again.cancel() }
        #expect(try await eventually { await second.currentLease() != nil })
        #expect(await second.currentLease() == lease)
        #expect(try await machineLease() == lease)
        // The machine key was only rewritten, never deleted.
        var iterator = watch.makeAsyncIterator()
        guard case .events(let events) = try await iterator.next() else { Issue.record("no watch events"); return }
        #expect(events.allSatisfy { if case .put = $0 { true } else { false } })
    }

    @Test func aLeaseThatExpiredOrHasAnotherTTLIsNotResumed() async throws {
        let gone = try await store.grantLease(ttl: .seconds(30))
        try await store.revokeLease(gone)
        let other = try await store.grantLease(ttl: .seconds(5))
        for stale in [gone, other] {
            let presence = MachinePresence(registry: registry, machine: me, ttl: .seconds(30), logger: Logger(label: "test.presence"),
                                           clock: clock, maximumBackoff: .milliseconds(20), resumeLease: stale)
            let running = Task { await presence.run() }
            #expect(try await eventually { await presence.currentLease() != nil })
            #expect(await presence.currentLease() != stale)
            await presence.shutdown()
            await running.value
        }
    }

    @Test func updatePublishesNewMetadataUnderTheSameLease() async throws {
        let presence = presence(ttl: .seconds(30))
        let running = Task { await presence.run() }
        defer { running.cancel() }
        #expect(try await eventually { await presence.currentLease() != nil })
        let lease = await presence.currentLease()
        var changed = me
        changed.metadata = ["region": "west", "disk": "ssd"]
        try await presence.update(machine: changed)
        #expect(try await registry.machines() == [changed])
        #expect(try await machineLease() == lease)
    }
}
