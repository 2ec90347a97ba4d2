/// The answer to a delete.
public struct EtcdDeleteResult: Sendable, Hashable {
    /// The store's revision after the delete.
    public var revision: Int64
    /// Number of keys deleted.
    public var deleted: Int64
    /// The deleted keys, when requested.
    public var prevKVs: [EtcdKeyValue]

    init(_ proto: Etcdserverpb_DeleteRangeResponse) {
        revision = proto.header.revision
        deleted = proto.deleted
        prevKVs = proto.prevKvs.map(EtcdKeyValue.init)
    }
}
