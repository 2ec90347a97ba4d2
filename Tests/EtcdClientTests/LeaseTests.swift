import FleetTesting
import Synchronization
import Testing
@testable import EtcdClient

@Suite("Leases against a real etcd")
struct LeaseTests {
    @Test func grantAndTimeToLiveListAttachedKeys() async throws {
        try await withEtcdClient { _, client in
            let lease = try await client.grantLease(ttl: 30)
            #expect(lease.ttl == 30)
            #expect(lease.id != 0)
            try await client.put("machines/m1", value: "up", lease: lease.id)
            #expect(try await client.get("machines/m1")?.lease == lease.id)

            let status = try #require(try await client.leaseTimeToLive(lease.id, keys: true))
            #expect(status.id == lease.id)
            #expect(status.grantedTTL == 30)
            #expect(status.remainingTTL > 0 && status.remainingTTL <= 30)
            #expect(status.keys == ["machines/m1"])
        }
    }

    @Test func aChosenLeaseIDIsGranted() async throws {
        try await withEtcdClient { _, client in
            let lease = try await client.grantLease(ttl: 10, id: 4242)
            #expect(lease.id == 4242)
        }
    }

    @Test func expiryRemovesLeasedKeys() async throws {
        try await withEtcdClient { _, client in
            // 5 s: a loaded machine must not let it expire before the first read.
            let lease = try await client.grantLease(ttl: 5)
            try await client.put("states/a", value: "active", lease: lease.id)
            try await client.put("kept", value: "no lease")
            #expect(try await client.get("states/a") != nil)
            #expect(await eventually(within: .seconds(12)) { (try? await client.get("states/a")) == nil })
            #expect(try await client.get("kept") != nil)
            #expect(try await client.leaseTimeToLive(lease.id) == nil)
        }
    }

    @Test func keepAliveKeepsAKeyPastItsTTLAndStoppingLetsItExpire() async throws {
        try await withEtcdClient { _, client in
            let lease = try await client.grantLease(ttl: 3)
            try await client.put("machines/m1", value: "up", lease: lease.id)
            let renewals = Atomic<Int>(0)
            let loop = Task { await client.keepAlive(lease) { _ in renewals.add(1, ordering: .relaxed) } }

            try await Task.sleep(for: .seconds(6))
            #expect(try await client.get("machines/m1") != nil)
            // TTL 3 s renewed every second: twice the TTL needs at least 3 renewals.
            #expect(renewals.load(ordering: .relaxed) >= 3)

            loop.cancel()
            let loss = await loop.value
            #expect(loss == nil)  // cancelled, not lost
            #expect(await eventually(within: .seconds(6)) { (try? await client.get("machines/m1")) == nil })
        }
    }

    @Test func revokeRemovesKeysAtOnceAndTheLoopReportsTheLoss() async throws {
        try await withEtcdClient { _, client in
            let lease = try await client.grantLease(ttl: 3)
            try await client.put("a", value: "1", lease: lease.id)
            try await client.put("b", value: "2", lease: lease.id)
            let loop = Task { await client.keepAlive(lease) }

            try await client.revokeLease(lease.id)
            #expect(try await client.range(.prefix("")).count == 0)

            let error = await #expect(throws: EtcdError.self) { try await client.keepAliveOnce(lease.id) }
            #expect(error?.code == .leaseNotFound)

            // The loop renews every second for TTL 3: its next renewal finds the lease gone.
            let loss = await withTaskGroup(of: EtcdLeaseLoss?.self) { group in
                group.addTask { await loop.value }
                group.addTask {
                    try? await Task.sleep(for: .seconds(5))
                    loop.cancel()
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            guard case .notFound = loss else {
                Issue.record("expected the keep-alive loop to report .notFound, got \(String(describing: loss))")
                return
            }
        }
    }

    @Test func revokingAnUnknownLeaseAndPuttingWithOneFail() async throws {
        try await withEtcdClient { _, client in
            let revoke = await #expect(throws: EtcdError.self) { try await client.revokeLease(987_654) }
            #expect(revoke?.code == .leaseNotFound)
            let put = await #expect(throws: EtcdError.self) { try await client.put("k", value: "v", lease: 987_654) }
            #expect(put?.code == .leaseNotFound)
            let stored = try await client.get("k")
            #expect(stored == nil)
        }
    }

    @Test func theLoopReportsExpiryWhenEtcdStaysDownLongerThanTheTTL() async throws {
        try await withEtcdClient(configure: { $0.requestTimeout = .milliseconds(500) }) { etcd, client in
            let lease = try await client.grantLease(ttl: 2)
            let loop = Task { await client.keepAlive(lease) }
            try await Task.sleep(for: .milliseconds(300))
            await etcd.stop()
            let started = ContinuousClock.now
            let loss = await loop.value
            let waited = ContinuousClock.now - started
            guard case .expired(let lastError) = loss else {
                Issue.record("expected .expired, got \(String(describing: loss))")
                return
            }
            #expect(lastError.code == .unavailable)
            #expect(lastError.description.contains(etcd.clientURL))
            #expect(waited < .seconds(15))  // about the TTL; loose for a loaded machine, but not "never"
        }
    }
}
