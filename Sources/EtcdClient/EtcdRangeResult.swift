/// The answer to a range read.
public struct EtcdRangeResult: Sendable, Hashable {
    /// The keys read, in the requested order (empty for count-only reads).
    public var kvs: [EtcdKeyValue]
    /// Whether the limit left keys out.
    public var more: Bool
    /// Number of keys in the range, regardless of the limit.
    public var count: Int64
    /// The store's revision when the read was served.
    public var revision: Int64

    init(_ proto: Etcdserverpb_RangeResponse) {
        kvs = proto.kvs.map(EtcdKeyValue.init)
        more = proto.more
        count = proto.count
        revision = proto.header.revision
    }
}
