/// The small slice of etcd v3 that fleet's registry needs: ranges, transactions, watches and
/// leases, with etcd's revision semantics.
///
/// Two implementations behave the same: the etcd-backed one and `InMemoryKeyValueStore`
/// (unit tests, simulations). The registry is written once on top of this seam, so both
/// registries share every line of keyspace and record logic.
public protocol KeyValueStore: Sendable {
    /// Reads the keys in `[key, end)` in byte order, or only `key` when `end` is nil.
    /// Keys are ASCII (unit names, machine IDs and the prefix).
    /// - Parameters:
    ///   - key: the first key.
    ///   - end: the end of the half-open range; nil for the single key.
    ///   - limit: at most this many pairs; 0 for no limit.
    /// - Returns: the pairs in key order and the store's revision.
    /// - Throws: `KeyValueStoreError`.
    func range(from key: String, to end: String?, limit: Int) async throws -> RangeResult

    /// Runs `success` when every comparison holds, otherwise `failure`, atomically.
    /// - Throws: `KeyValueStoreError`.
    func txn(_ compares: [KVCompare], success: [KVOperation], failure: [KVOperation]) async throws -> TxnResult

    /// Streams changes under `prefix` from `startRevision` (0: from now). The stream resumes
    /// by itself after broken connections; when `startRevision` has been compacted it yields
    /// `.compacted` and ends, and the caller relists.
    func watch(prefix: String, startRevision: Int64) -> AsyncThrowingStream<WatchUpdate, any Error>

    /// Grants a lease that expires `ttl` after its last renewal.
    /// - Returns: the lease ID (never 0).
    func grantLease(ttl: Duration) async throws -> Int64

    /// Renews a lease.
    /// - Returns: the TTL granted by the renewal.
    /// - Throws: `KeyValueStoreError.leaseNotFound` once the lease has expired or was revoked.
    func keepAlive(lease: Int64) async throws -> Duration

    /// Revokes a lease, deleting every key attached to it at once.
    func revokeLease(_ lease: Int64) async throws
}

extension KeyValueStore {
    /// Reads one key.
    /// - Returns: the pair, or nil when the key does not exist.
    public func get(_ key: String) async throws -> KeyValue? {
        try await range(from: key, to: nil, limit: 1).pairs.first
    }

    /// Reads every key under `prefix`, optionally starting strictly after key `after`.
    public func list(prefix: String, after: String? = nil, limit: Int = 0) async throws -> RangeResult {
        try await range(from: after.map { $0 + "\0" } ?? prefix, to: prefixEnd(prefix), limit: limit)
    }

    /// Writes one key unconditionally.
    /// - Returns: the revision of the write.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8], lease: Int64 = 0) async throws -> Int64 {
        try await txn([], success: [.put(key, value, lease: lease)], failure: []).revision
    }

    /// Deletes one key, or a whole prefix.
    @discardableResult
    public func delete(_ key: String, prefix: Bool = false) async throws -> Int64 {
        try await txn([], success: [.delete(key, prefix: prefix)], failure: []).revision
    }
}

/// One stored pair with etcd's revision bookkeeping.
public struct KeyValue: Sendable, Hashable {
    /// The key.
    public var key: String
    /// The value; empty for deletion events.
    public var value: [UInt8]
    /// The revision that created the key (reset when it is deleted and created again).
    public var createRevision: Int64
    /// The revision of the last change.
    public var modRevision: Int64
    /// Changes since creation, starting at 1.
    public var version: Int64
    /// The lease the key is attached to, 0 for none.
    public var lease: Int64

    /// - Parameters: each field as documented on its property.
    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// The answer to a range read.
public struct RangeResult: Sendable, Hashable {
    /// The pairs, in key order.
    public var pairs: [KeyValue]
    /// The store's revision when it was read.
    public var revision: Int64
    /// More pairs matched than `limit` allowed.
    public var more: Bool

    /// - Parameters: each field as documented on its property.
    public init(pairs: [KeyValue], revision: Int64, more: Bool) {
        self.pairs = pairs
        self.revision = revision
        self.more = more
    }
}

/// A guard of a transaction, on one key (a missing key has version, revisions and lease 0).
public struct KVCompare: Sendable, Hashable {
    /// What is compared.
    public enum Target: Sendable, Hashable {
        case version(Int64)
        case createRevision(Int64)
        case modRevision(Int64)
        case value([UInt8])
        case lease(Int64)
    }

    /// How it is compared.
    public enum Relation: Sendable, Hashable {
        case equal, notEqual, greater, less
    }

    /// The key compared.
    public var key: String
    /// The relation that must hold between the key's field and the target.
    public var relation: Relation
    /// The field and the value it is compared with.
    public var target: Target

    /// - Parameters: each field as documented on its property.
    public init(key: String, _ relation: Relation, _ target: Target) {
        self.key = key
        self.relation = relation
        self.target = target
    }

    /// The key does not exist.
    public static func absent(_ key: String) -> KVCompare { KVCompare(key: key, .equal, .createRevision(0)) }
}

/// One operation inside a transaction.
public enum KVOperation: Sendable, Hashable {
    /// Write `value` at `key`, attached to `lease` (0: none).
    case put(String, [UInt8], lease: Int64)
    /// Delete `key`, or every key under it with `prefix`.
    case delete(String, prefix: Bool)
    /// Read `key`, or every key under it with `prefix`.
    case range(String, prefix: Bool)
}

/// What a transaction did.
public struct TxnResult: Sendable, Hashable {
    /// Whether the comparisons held (so the success branch ran).
    public var succeeded: Bool
    /// The store's revision after the transaction.
    public var revision: Int64
    /// The answers of `.range` operations of the branch that ran, in order.
    public var ranges: [[KeyValue]]

    /// - Parameters: each field as documented on its property.
    public init(succeeded: Bool, revision: Int64, ranges: [[KeyValue]] = []) {
        self.succeeded = succeeded
        self.revision = revision
        self.ranges = ranges
    }
}

/// One change seen by a watch.
public enum WatchEvent: Sendable, Hashable {
    /// The key was created or changed; `previous` is its former pair when there was one.
    case put(KeyValue, previous: KeyValue?)
    /// The key was deleted (explicitly or by lease expiry) at `revision`.
    case delete(key: String, revision: Int64, previous: KeyValue?)

    /// The key the event is about.
    public var key: String {
        switch self {
        case .put(let kv, _): kv.key
        case .delete(let key, _, _): key
        }
    }

    /// The revision of the change.
    public var revision: Int64 {
        switch self {
        case .put(let kv, _): kv.modRevision
        case .delete(_, let revision, _): revision
        }
    }
}

/// What a watch stream yields.
public enum WatchUpdate: Sendable, Hashable {
    /// Changes of one revision or more, in order.
    case events([WatchEvent])
    /// The requested start revision is older than the oldest kept one: relist, then watch
    /// again from the list's revision + 1.
    case compacted(compactRevision: Int64)
}

/// Errors every `KeyValueStore` reports the same way.
public struct KeyValueStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Hashable {
        /// No endpoint answered.
        case unavailable
        /// The request did not complete in time.
        case timedOut
        /// The lease does not exist (expired or revoked).
        case leaseNotFound
        /// The revision asked for has been compacted.
        case compacted
        /// The request is larger than the store accepts.
        case requestTooLarge
        /// Anything else the store reported.
        case other
    }

    /// What went wrong.
    public var code: Code
    /// A sentence naming what failed and against which endpoint.
    public var message: String

    /// - Parameters: each field as documented on its property.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The end of the half-open key range holding every key that starts with `prefix`.
public func prefixEnd(_ prefix: String) -> String {
    String(decoding: prefixRangeEnd(Array(prefix.utf8)), as: UTF8.self)
}

/// The end of etcd's half-open key range for "every key starting with `prefix`".
public func prefixRangeEnd(_ prefix: [UInt8]) -> [UInt8] {
    var end = prefix
    while let last = end.last {
        if last < 0xFF {
            end[end.count - 1] = last + 1
            return end
        }
        end.removeLast()
    }
    return [0]  // every key: etcd's "\0" range end
}
