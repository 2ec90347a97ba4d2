/// One operation of a transaction branch.
public enum EtcdOperation: Sendable, Hashable {
    /// Read keys.
    case range(EtcdKeyRange, EtcdRangeOptions = .init())
    /// Write a key, optionally attached to a lease (0: none), optionally returning the old key.
    case put(key: String, value: [UInt8], lease: Int64 = 0, prevKV: Bool = false)
    /// Delete keys, optionally returning them.
    case delete(EtcdKeyRange, prevKV: Bool = false)

    var payloadBytes: Int {
        switch self {
        case .range(let keys, _): keys.key.count
        case .put(let key, let value, _, _): key.utf8.count + value.count
        case .delete(let keys, _): keys.key.count
        }
    }

    var proto: Etcdserverpb_RequestOp {
        var op = Etcdserverpb_RequestOp()
        switch self {
        case .range(let keys, let options):
            op.requestRange = options.request(for: keys)
        case .put(let key, let value, let lease, let prevKV):
            op.requestPut = EtcdClient.putRequest(key: Array(key.utf8), value: value, lease: lease, prevKV: prevKV)
        case .delete(let keys, let prevKV):
            op.requestDeleteRange = EtcdClient.deleteRequest(keys, prevKV: prevKV)
        }
        return op
    }
}

/// The result of one transaction operation, in the order the operations were given.
public enum EtcdOperationResult: Sendable, Hashable {
    case range(EtcdRangeResult)
    case put(EtcdPutResult)
    case delete(EtcdDeleteResult)

    init?(_ proto: Etcdserverpb_ResponseOp) {
        switch proto.response {
        case .responseRange(let r): self = .range(EtcdRangeResult(r))
        case .responsePut(let r): self = .put(EtcdPutResult(r))
        case .responseDeleteRange(let r): self = .delete(EtcdDeleteResult(r))
        case .responseTxn, nil: return nil
        }
    }

    /// The range result, if this was a range.
    public var range: EtcdRangeResult? {
        if case .range(let r) = self { return r }
        return nil
    }

    /// The put result, if this was a put.
    public var put: EtcdPutResult? {
        if case .put(let r) = self { return r }
        return nil
    }

    /// The delete result, if this was a delete.
    public var delete: EtcdDeleteResult? {
        if case .delete(let r) = self { return r }
        return nil
    }
}

/// The answer to a transaction.
public struct EtcdTxnResult: Sendable, Hashable {
    /// Whether every guard held, so the success branch ran (otherwise the failure branch ran).
    public var succeeded: Bool
    /// The store's revision after the transaction.
    public var revision: Int64
    /// Results of the branch that ran, in order.
    public var results: [EtcdOperationResult]

    init(_ proto: Etcdserverpb_TxnResponse) {
        succeeded = proto.succeeded
        revision = proto.header.revision
        results = proto.responses.compactMap(EtcdOperationResult.init)
    }
}
