@testable import FleetCore

/// A `KeyValueStore` under test plus the means to let time pass for its leases, so one
/// conformance suite runs against every implementation.
protocol StoreFixture: Sendable {
    var store: any KeyValueStore { get }
    /// Lets more than `ttl` pass, so leases not renewed since expire.
    func letLeasesExpire(ttl: Duration) async throws
    func tearDown() async
}

struct InMemoryStoreFixture: StoreFixture {
    let clock = ManualClock()
    let memory: InMemoryKeyValueStore
    var store: any KeyValueStore { memory }

    init() { memory = InMemoryKeyValueStore(clock: clock) }

    func letLeasesExpire(ttl: Duration) async throws {
        clock.advance(by: ttl + .milliseconds(1))
        await memory.expireLeases()
    }

    func tearDown() async {}
}

/// The fixtures the conformance suites run against.
enum StoreFixtures {
    static func all() async throws -> [any StoreFixture] {
        [InMemoryStoreFixture()]
    }
}
