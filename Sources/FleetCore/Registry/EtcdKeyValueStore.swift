public import EtcdClient

/// `KeyValueStore` on a real etcd v3, through `EtcdClient`.
///
/// Watches ask for previous values and resume by themselves after broken streams (the client
/// does that); compaction ends the stream with `.compacted`.
public struct EtcdKeyValueStore: KeyValueStore {
    /// The client every request goes through.
    public let client: EtcdClient

    /// - Parameter client: a configured client (endpoints, timeout, TLS, credentials).
    public init(client: EtcdClient) {
        self.client = client
    }

    public func range(from key: String, to end: String?, limit: Int) async throws -> RangeResult {
        let keys = end.map { EtcdKeyRange.range(from: key, to: $0) } ?? .key(key)
        let result = try await mapped { try await client.range(keys, options: EtcdRangeOptions(limit: Int64(limit))) }
        return RangeResult(pairs: result.kvs.map(KeyValue.init), revision: result.revision, more: result.more)
    }

    public func txn(_ compares: [KVCompare], success: [KVOperation], failure: [KVOperation]) async throws -> TxnResult {
        let result = try await mapped {
            try await client.txn(
                compare: compares.map(Self.compare), success: success.map(Self.operation), failure: failure.map(Self.operation))
        }
        let ranges = result.results.compactMap { $0.range?.kvs.map(KeyValue.init) }
        return TxnResult(succeeded: result.succeeded, revision: result.revision, ranges: ranges)
    }

    public func watch(prefix: String, startRevision: Int64) -> AsyncThrowingStream<WatchUpdate, any Error> {
        let watch = client.watch(.prefix(prefix), options: EtcdWatchOptions(startRevision: startRevision, prevKV: true))
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await update in watch {
                        switch update {
                        case .events(let events, _):
                            continuation.yield(.events(events.map(Self.event)))
                        case .progress:
                            continue
                        case .compacted(let compactRevision, _):
                            continuation.yield(.compacted(compactRevision: compactRevision))
                            continuation.finish()
                            return
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: Self.translate(error))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func grantLease(ttl: Duration) async throws -> Int64 {
        // etcd leases have whole seconds; round up so a lease never lives shorter than asked.
        let (seconds, attoseconds) = ttl.components
        return try await mapped { try await client.grantLease(ttl: seconds + (attoseconds > 0 ? 1 : 0)).id }
    }

    public func keepAlive(lease: Int64) async throws -> Duration {
        .seconds(try await mapped { try await client.keepAliveOnce(lease) })
    }

    public func revokeLease(_ lease: Int64) async throws {
        try await mapped { try await client.revokeLease(lease) }
    }

    // MARK: Errors

    /// Runs a client call and reports its failure as the protocol's `KeyValueStoreError`, so
    /// callers handle etcd and the in-memory store alike (a put on an expired lease is
    /// `.leaseNotFound` from both).
    private func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Self.translate(error)
        }
    }

    static func translate(_ error: any Error) -> any Error {
        guard let error = error as? EtcdError else { return error }
        let code: KeyValueStoreError.Code
        switch error.code {
        case .leaseNotFound: code = .leaseNotFound
        case .unavailable: code = .unavailable
        case .timeout: code = .timedOut
        case .compacted: code = .compacted
        case .requestTooLarge: code = .requestTooLarge
        case .cancelled: return CancellationError()
        default: code = .other
        }
        return KeyValueStoreError(code, error.description)
    }

    // MARK: Mapping

    private static func compare(_ compare: KVCompare) -> EtcdCompare {
        let target: EtcdCompare.Target
        switch compare.target {
        case .version(let v): target = .version(v)
        case .createRevision(let v): target = .createRevision(v)
        case .modRevision(let v): target = .modRevision(v)
        case .value(let v): target = .value(v)
        case .lease(let v): target = .lease(v)
        }
        let relation: EtcdCompare.Operator
        switch compare.relation {
        case .equal: relation = .equal
        case .notEqual: relation = .notEqual
        case .greater: relation = .greater
        case .less: relation = .less
        }
        return EtcdCompare(.key(compare.key), target, relation)
    }

    private static func operation(_ operation: KVOperation) -> EtcdOperation {
        switch operation {
        case .put(let key, let value, let lease): .put(key: key, value: value, lease: lease)
        case .delete(let key, let prefix): .delete(prefix ? .prefix(key) : .key(key))
        case .range(let key, let prefix): .range(prefix ? .prefix(key) : .key(key))
        }
    }

    private static func event(_ event: EtcdEvent) -> WatchEvent {
        switch event.kind {
        case .put: .put(KeyValue(event.kv), previous: event.prevKV.map(KeyValue.init))
        case .delete: .delete(key: event.kv.key, revision: event.kv.modRevision, previous: event.prevKV.map(KeyValue.init))
        }
    }
}

extension KeyValue {
    init(_ kv: EtcdKeyValue) {
        self.init(key: kv.key, value: kv.value, createRevision: kv.createRevision, modRevision: kv.modRevision,
                  version: kv.version, lease: kv.lease)
    }
}
