/// An in-memory `KeyValueStore` with etcd's semantics: one global revision, per-key
/// create/mod revisions and versions, leases that delete their keys on expiry, watches that
/// replay history from a past revision, and compaction.
///
/// Leases expire against the injected clock; expiry is applied at the start of every call and
/// by `expireLeases()`, so tests drive it with a manual clock.
public actor InMemoryKeyValueStore: KeyValueStore {
    private struct Lease {
        var ttl: Duration
        var deadline: Duration
        var keys: Set<String> = []
    }

    private struct Watcher {
        var prefix: String
        var continuation: AsyncThrowingStream<WatchUpdate, any Error>.Continuation
    }

    private let clock: any ClockSource
    private var pairs: [String: KeyValue] = [:]
    private var sortedKeys: [String] = []
    private var revision: Int64 = 1
    private var compactedRevision: Int64 = 0
    private var history: [(revision: Int64, events: [WatchEvent])] = []
    private var leases: [Int64: Lease] = [:]
    private var nextLease: Int64 = 0x1000
    private var watchers: [Int: Watcher] = [:]
    private var nextWatcher = 0

    /// Counts of requests served, by kind, so tests and the simulator can see the load.
    public private(set) var requestCounts: [String: Int] = [:]

    /// - Parameter clock: the clock leases expire against.
    public init(clock: any ClockSource = SystemClock()) {
        self.clock = clock
    }

    // MARK: KeyValueStore

    public func range(from key: String, to end: String?, limit: Int) throws -> RangeResult {
        count("range")
        expireLeases()
        guard let end else {
            return RangeResult(pairs: pairs[key].map { [$0] } ?? [], revision: revision, more: false)
        }
        var found: [KeyValue] = []
        var index = lowerBound(key)
        while index < sortedKeys.count, precedes(sortedKeys[index], end) {
            if limit > 0, found.count == limit {
                return RangeResult(pairs: found, revision: revision, more: true)
            }
            found.append(pairs[sortedKeys[index]]!)
            index += 1
        }
        return RangeResult(pairs: found, revision: revision, more: false)
    }

    public func txn(_ compares: [KVCompare], success: [KVOperation], failure: [KVOperation]) throws -> TxnResult {
        count("txn")
        expireLeases()
        let succeeded = compares.allSatisfy(holds)
        let operations = succeeded ? success : failure
        // etcd refuses a transaction that writes one key twice ("duplicate key given in txn request").
        var written = Set<String>()
        for operation in operations {
            switch operation {
            case .put(let key, _, _), .delete(let key, prefix: false):
                guard written.insert(key).inserted else {
                    throw KeyValueStoreError(.other, "in-memory store: duplicate key given in txn request: \(key)")
                }
            case .delete(_, prefix: true), .range: continue
            }
        }
        for case .put(_, _, let lease) in operations where lease != 0 && leases[lease] == nil {
            throw KeyValueStoreError(.leaseNotFound, "in-memory store: lease \(String(lease, radix: 16)) not found")
        }
        var events: [WatchEvent] = []
        var ranges: [[KeyValue]] = []
        let writes = operations.contains { if case .range = $0 { false } else { true } }
        let next = writes ? revision + 1 : revision
        for operation in operations {
            switch operation {
            case .put(let key, let value, let lease):
                events.append(store(key, value, lease: lease, at: next))
            case .delete(let key, let prefix):
                for victim in prefix ? keys(under: key) : (pairs[key] == nil ? [] : [key]) {
                    events.append(remove(victim, at: next))
                }
            case .range(let key, let prefix):
                ranges.append(prefix ? keys(under: key).map { pairs[$0]! } : (pairs[key].map { [$0] } ?? []))
            }
        }
        if !events.isEmpty {
            revision = next
            publish(events)
        }
        return TxnResult(succeeded: succeeded, revision: revision, ranges: ranges)
    }

    public nonisolated func watch(prefix: String, startRevision: Int64) -> AsyncThrowingStream<WatchUpdate, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchUpdate, any Error>.makeStream()
        Task { await self.addWatcher(prefix: prefix, startRevision: startRevision, continuation: continuation) }
        return stream
    }

    public func grantLease(ttl: Duration) -> Int64 {
        count("lease_grant")
        expireLeases()
        nextLease += 1
        leases[nextLease] = Lease(ttl: ttl, deadline: clock.now + ttl)
        return nextLease
    }

    public func keepAlive(lease: Int64) throws -> Duration {
        count("lease_keepalive")
        expireLeases()
        guard var entry = leases[lease] else {
            throw KeyValueStoreError(.leaseNotFound, "in-memory store: lease \(String(lease, radix: 16)) not found")
        }
        entry.deadline = clock.now + entry.ttl
        leases[lease] = entry
        return entry.ttl
    }

    public func revokeLease(_ lease: Int64) throws {
        count("lease_revoke")
        expireLeases()
        guard leases[lease] != nil else {
            throw KeyValueStoreError(.leaseNotFound, "in-memory store: lease \(String(lease, radix: 16)) not found")
        }
        drop(lease: lease)
    }

    // MARK: Beyond etcd's client API: test and simulation controls

    /// Deletes the keys of every lease whose deadline has passed.
    public func expireLeases() {
        let now = clock.now
        for (id, lease) in leases where lease.deadline <= now {
            drop(lease: id)
        }
    }

    /// Forgets history up to `revision`: watches starting at or before it get `.compacted`.
    public func compact(_ revision: Int64) {
        compactedRevision = max(compactedRevision, min(revision, self.revision))
        history.removeAll { $0.revision <= compactedRevision }
    }

    /// The current revision.
    public var currentRevision: Int64 { revision }

    /// Ends every watch stream with an error, as a lost connection would.
    public func breakWatches() {
        for watcher in watchers.values {
            watcher.continuation.finish(throwing: KeyValueStoreError(.unavailable, "in-memory store: watch broken"))
        }
        watchers.removeAll()
    }

    // MARK: Internals

    private func count(_ kind: String) { requestCounts[kind, default: 0] += 1 }

    private func holds(_ compare: KVCompare) -> Bool {
        let pair = pairs[compare.key]
        func relate<T: Comparable>(_ lhs: T, _ rhs: T) -> Bool {
            switch compare.relation {
            case .equal: lhs == rhs
            case .notEqual: lhs != rhs
            case .greater: lhs > rhs
            case .less: lhs < rhs
            }
        }
        switch compare.target {
        case .version(let v): return relate(pair?.version ?? 0, v)
        case .createRevision(let v): return relate(pair?.createRevision ?? 0, v)
        case .modRevision(let v): return relate(pair?.modRevision ?? 0, v)
        case .lease(let v): return relate(pair?.lease ?? 0, v)
        case .value(let v):
            // etcd: a value comparison against a missing key fails.
            guard let pair else { return false }
            return relate(pair.value.lexicographicallyPrecedes(v) ? -1 : (pair.value == v ? 0 : 1), 0)
        }
    }

    private func store(_ key: String, _ value: [UInt8], lease: Int64, at rev: Int64) -> WatchEvent {
        let previous = pairs[key]
        if previous == nil { sortedKeys.insert(key, at: lowerBound(key)) }
        if let old = previous?.lease, old != 0 { leases[old]?.keys.remove(key) }
        if lease != 0 { leases[lease]?.keys.insert(key) }
        let pair = KeyValue(
            key: key, value: value,
            createRevision: previous?.createRevision ?? rev,
            modRevision: rev,
            version: (previous?.version ?? 0) + 1,
            lease: lease
        )
        pairs[key] = pair
        return .put(pair, previous: previous)
    }

    private func remove(_ key: String, at rev: Int64) -> WatchEvent {
        let previous = pairs.removeValue(forKey: key)
        sortedKeys.remove(at: lowerBound(key))
        if let lease = previous?.lease, lease != 0 { leases[lease]?.keys.remove(key) }
        return .delete(key: key, revision: rev, previous: previous)
    }

    private func drop(lease id: Int64) {
        guard let lease = leases.removeValue(forKey: id) else { return }
        let victims = lease.keys.sorted()
        guard !victims.isEmpty else { return }
        revision += 1
        publish(victims.map { remove($0, at: revision) })
    }

    private func publish(_ events: [WatchEvent]) {
        history.append((revision, events))
        for watcher in watchers.values {
            let mine = events.filter { $0.key.hasPrefix(watcher.prefix) }
            if !mine.isEmpty { watcher.continuation.yield(.events(mine)) }
        }
    }

    private func addWatcher(
        prefix: String, startRevision: Int64,
        continuation: AsyncThrowingStream<WatchUpdate, any Error>.Continuation
    ) {
        if startRevision > 0 {
            if startRevision <= compactedRevision {
                continuation.yield(.compacted(compactRevision: compactedRevision))
                continuation.finish()
                return
            }
            let replay = history.filter { $0.revision >= startRevision }
                .flatMap { $0.events.filter { $0.key.hasPrefix(prefix) } }
            if !replay.isEmpty { continuation.yield(.events(replay)) }
        }
        nextWatcher += 1
        let id = nextWatcher
        watchers[id] = Watcher(prefix: prefix, continuation: continuation)
        continuation.onTermination = { _ in Task { await self.removeWatcher(id) } }
    }

    private func removeWatcher(_ id: Int) { watchers[id] = nil }

    private func keys(under prefix: String) -> [String] {
        var result: [String] = []
        var index = lowerBound(prefix)
        while index < sortedKeys.count, sortedKeys[index].hasPrefix(prefix) {
            result.append(sortedKeys[index])
            index += 1
        }
        return result
    }

    /// First index whose key is ≥ `key` (byte order, as etcd sorts).
    private func lowerBound(_ key: String) -> Int {
        var low = 0, high = sortedKeys.count
        while low < high {
            let mid = (low + high) / 2
            if precedes(sortedKeys[mid], key) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
