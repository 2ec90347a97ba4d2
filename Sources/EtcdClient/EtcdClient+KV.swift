#if canImport(FoundationEssentials)
import FoundationEssentials  // Data, the protobuf bytes type
#else
import Foundation
#endif

extension EtcdClient {
    /// Reads keys.
    /// - Parameters:
    ///   - keys: One key, a prefix or a range.
    ///   - options: Limit, revision, keys-only, count-only, sorting.
    /// - Returns: The keys, whether the limit left some out, the total count and the revision.
    /// - Throws: ``EtcdError`` (`compacted` when `options.revision` is compacted).
    public func range(_ keys: EtcdKeyRange, options: EtcdRangeOptions = .init()) async throws(EtcdError) -> EtcdRangeResult {
        let response = try await call(.range, options.request(for: keys), as: Etcdserverpb_RangeResponse.self)
        return EtcdRangeResult(response)
    }

    /// Reads one key.
    /// - Parameter key: The key.
    /// - Returns: The key, or `nil` when it does not exist.
    /// - Throws: ``EtcdError``.
    public func get(_ key: String) async throws(EtcdError) -> EtcdKeyValue? {
        try await range(.key(key)).kvs.first
    }

    /// Writes a key.
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value's bytes.
    ///   - lease: Lease to attach the key to (0: none); the key is deleted when the lease ends.
    ///   - prevKV: Return the key as it was before.
    /// - Returns: The new revision and, if asked, the previous key.
    /// - Throws: ``EtcdError`` (`requestTooLarge` before sending when over the limit,
    ///   `leaseNotFound` for an unknown lease).
    @discardableResult
    public func put(_ key: String, value: [UInt8], lease: Int64 = 0, prevKV: Bool = false) async throws(EtcdError) -> EtcdPutResult {
        let keyBytes = Array(key.utf8)
        try checkSize(keyBytes.count + value.count, operation: "put", key: keyBytes)
        let request = Self.putRequest(key: keyBytes, value: value, lease: lease, prevKV: prevKV)
        return EtcdPutResult(try await call(.put, request, as: Etcdserverpb_PutResponse.self))
    }

    /// Writes a key with a text value (stored as UTF-8).
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value.
    ///   - lease: Lease to attach the key to (0: none).
    ///   - prevKV: Return the key as it was before.
    /// - Returns: The new revision and, if asked, the previous key.
    /// - Throws: ``EtcdError``.
    @discardableResult
    public func put(_ key: String, value: String, lease: Int64 = 0, prevKV: Bool = false) async throws(EtcdError) -> EtcdPutResult {
        try await put(key, value: Array(value.utf8), lease: lease, prevKV: prevKV)
    }

    /// Deletes keys.
    /// - Parameters:
    ///   - keys: One key, a prefix or a range.
    ///   - prevKV: Return the deleted keys.
    /// - Returns: The new revision, the number deleted and, if asked, the deleted keys.
    /// - Throws: ``EtcdError``.
    @discardableResult
    public func delete(_ keys: EtcdKeyRange, prevKV: Bool = false) async throws(EtcdError) -> EtcdDeleteResult {
        let response = try await call(.deleteRange, Self.deleteRequest(keys, prevKV: prevKV), as: Etcdserverpb_DeleteRangeResponse.self)
        return EtcdDeleteResult(response)
    }

    /// Runs a transaction: if every guard holds, the success operations, else the failure ones,
    /// atomically at one revision.
    /// - Parameters:
    ///   - compare: Guards, all of which must hold (an empty list always holds).
    ///   - success: Operations run when the guards hold.
    ///   - failure: Operations run otherwise.
    /// - Returns: Which branch ran, the revision and each operation's result.
    /// - Throws: ``EtcdError`` (`requestTooLarge` before sending when over the limit;
    ///   `invalidArgument` when etcd refuses it, for example a key written twice).
    public func txn(
        compare: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = []
    ) async throws(EtcdError) -> EtcdTxnResult {
        let size = compare.reduce(0) { $0 + $1.payloadBytes } + (success + failure).reduce(0) { $0 + $1.payloadBytes }
        try checkSize(size, operation: "txn", key: compare.first?.keys.key ?? [])
        var request = Etcdserverpb_TxnRequest()
        request.compare = compare.map(\.proto)
        request.success = success.map(\.proto)
        request.failure = failure.map(\.proto)
        return EtcdTxnResult(try await call(.txn, request, as: Etcdserverpb_TxnResponse.self))
    }

    /// Compacts the store's history up to `revision`: older revisions can no longer be read or
    /// watched from.
    /// - Parameters:
    ///   - revision: The revision to compact to.
    ///   - physical: Wait until the compaction is applied to the backend.
    /// - Returns: The store's revision.
    /// - Throws: ``EtcdError`` (`compacted` when already compacted past `revision`).
    @discardableResult
    public func compact(revision: Int64, physical: Bool = false) async throws(EtcdError) -> Int64 {
        var request = Etcdserverpb_CompactionRequest()
        request.revision = revision
        request.physical = physical
        return try await call(.compact, request, as: Etcdserverpb_CompactionResponse.self).header.revision
    }

    static func putRequest(key: [UInt8], value: [UInt8], lease: Int64, prevKV: Bool) -> Etcdserverpb_PutRequest {
        var request = Etcdserverpb_PutRequest()
        request.key = .init(key)
        request.value = .init(value)
        request.lease = lease
        request.prevKv = prevKV
        return request
    }

    static func deleteRequest(_ keys: EtcdKeyRange, prevKV: Bool) -> Etcdserverpb_DeleteRangeRequest {
        var request = Etcdserverpb_DeleteRangeRequest()
        request.key = .init(keys.key)
        request.rangeEnd = .init(keys.rangeEnd)
        request.prevKv = prevKV
        return request
    }
}
