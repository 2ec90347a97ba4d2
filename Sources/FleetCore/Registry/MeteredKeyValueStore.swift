import Synchronization

/// Registry operation counts by type, for `fleet_registry_*` metrics.
public struct RegistryOperationCounts: Sendable, Hashable {
    /// Operations attempted, by type (`get`, `get_all`, `txn`, `lease_grant`, …).
    public var operations: [String: Int] = [:]
    /// Operations that failed, by type.
    public var failures: [String: Int] = [:]

    public init(operations: [String: Int] = [:], failures: [String: Int] = [:]) {
        self.operations = operations
        self.failures = failures
    }
}

/// A `KeyValueStore` that counts the operations it passes to another one.
public final class MeteredKeyValueStore: KeyValueStore {
    let inner: any KeyValueStore
    private let counts = Mutex(RegistryOperationCounts())

    /// - Parameter inner: the store doing the work.
    public init(_ inner: any KeyValueStore) { self.inner = inner }

    /// The counts so far.
    public var snapshot: RegistryOperationCounts { counts.withLock { $0 } }

    private func measure<T>(_ type: String, _ body: () async throws -> T) async throws -> T {
        counts.withLock { $0.operations[type, default: 0] += 1 }
        do {
            return try await body()
        } catch {
            counts.withLock { $0.failures[type, default: 0] += 1 }
            throw error
        }
    }

    public func range(from key: String, to end: String?, limit: Int) async throws -> RangeResult {
        try await measure(end == nil ? "get" : "get_all") { try await inner.range(from: key, to: end, limit: limit) }
    }

    public func txn(_ compares: [KVCompare], success: [KVOperation], failure: [KVOperation]) async throws -> TxnResult {
        try await measure(compares.isEmpty ? "set" : "txn") { try await inner.txn(compares, success: success, failure: failure) }
    }

    public func watch(prefix: String, startRevision: Int64) -> AsyncThrowingStream<WatchUpdate, any Error> {
        counts.withLock { $0.operations["watch", default: 0] += 1 }
        return inner.watch(prefix: prefix, startRevision: startRevision)
    }

    public func grantLease(ttl: Duration) async throws -> Int64 {
        try await measure("lease_grant") { try await inner.grantLease(ttl: ttl) }
    }

    public func keepAlive(lease: Int64) async throws -> Duration {
        try await measure("lease_keepalive") { try await inner.keepAlive(lease: lease) }
    }

    public func revokeLease(_ lease: Int64) async throws {
        try await measure("lease_revoke") { try await inner.revokeLease(lease) }
    }
}
