/// The answer to a put.
public struct EtcdPutResult: Sendable, Hashable {
    /// The store's revision after the put (the key's new mod revision).
    public var revision: Int64
    /// The key before the put, when requested and the key existed.
    public var prevKV: EtcdKeyValue?

    init(_ proto: Etcdserverpb_PutResponse) {
        revision = proto.header.revision
        prevKV = proto.hasPrevKv ? EtcdKeyValue(proto.prevKv) : nil
    }
}
