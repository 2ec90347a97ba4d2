import EtcdClient
import FleetTesting
@testable import FleetCore

/// A `KeyValueStore` under test plus the means to let time pass for its leases, so one
/// conformance suite runs against every implementation.
protocol StoreFixture: Sendable {
    var name: String { get }
    var store: any KeyValueStore { get }
    /// Lets more than `ttl` pass, until `lease` (not renewed since) has expired.
    func letLeaseExpire(_ lease: Int64, ttl: Duration) async throws
    func tearDown() async
}

struct InMemoryStoreFixture: StoreFixture {
    let name = "in-memory"
    let clock = ManualClock()
    let memory: InMemoryKeyValueStore
    var store: any KeyValueStore { memory }

    init() { memory = InMemoryKeyValueStore(clock: clock) }

    func letLeaseExpire(_ lease: Int64, ttl: Duration) async throws {
        clock.advance(by: ttl + .milliseconds(1))
        await memory.expireLeases()
    }

    func tearDown() async {}
}

/// A real etcd (Debian's etcd-server) on free loopback ports, for this test only.
struct EtcdStoreFixture: StoreFixture {
    let name = "etcd"
    let etcd: EtcdProcess
    let client: EtcdClient
    var store: any KeyValueStore { EtcdKeyValueStore(client: client) }

    static func start() async throws -> EtcdStoreFixture {
        let etcd = try await EtcdProcess.start()
        do {
            var configuration = EtcdClientConfiguration(endpoints: [etcd.clientURL])
            configuration.requestTimeout = .seconds(5)  // the machine is shared with builds
            return EtcdStoreFixture(etcd: etcd, client: try EtcdClient(configuration: configuration))
        } catch {
            await etcd.destroy()
            throw error
        }
    }

    func letLeaseExpire(_ lease: Int64, ttl: Duration) async throws {
        // etcd expires leases on its own clock: wait out the TTL, then until etcd has acted.
        try await Task.sleep(for: ttl)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, try await client.leaseTimeToLive(lease) != nil {
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func tearDown() async {
        try? await client.shutdown()
        await etcd.destroy()
    }
}

/// The fixtures the conformance suites run against.
enum StoreFixtures {
    static func all() async throws -> [any StoreFixture] {
        [InMemoryStoreFixture(), try await EtcdStoreFixture.start()]
    }
}
