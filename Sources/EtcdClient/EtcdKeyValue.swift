/// A key and its value as stored in etcd, with its revisions.
public struct EtcdKeyValue: Sendable, Hashable {
    /// The key's bytes.
    public var keyBytes: [UInt8]
    /// The value's bytes (empty for keys-only reads and delete events).
    public var value: [UInt8]
    /// Revision of the key's last creation.
    public var createRevision: Int64
    /// Revision of the key's last modification.
    public var modRevision: Int64
    /// Number of modifications since creation (1 after the first put; 0 in delete events).
    public var version: Int64
    /// Lease the key is attached to, or 0.
    public var lease: Int64

    /// Creates a key-value.
    /// - Parameters:
    ///   - key: The key's bytes.
    ///   - value: The value's bytes.
    ///   - createRevision: Revision of the key's last creation.
    ///   - modRevision: Revision of the key's last modification.
    ///   - version: Number of modifications since creation.
    ///   - lease: Attached lease, or 0.
    public init(
        key: [UInt8], value: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64
    ) {
        self.keyBytes = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }

    /// The key as UTF-8 text (fleet's keys are text; invalid bytes are replaced).
    public var key: String { String(decoding: keyBytes, as: UTF8.self) }

    /// The value as UTF-8 text (invalid bytes are replaced).
    public var valueString: String { String(decoding: value, as: UTF8.self) }
}

extension EtcdKeyValue {
    init(_ proto: Mvccpb_KeyValue) {
        self.init(
            key: Array(proto.key),
            value: Array(proto.value),
            createRevision: proto.createRevision,
            modRevision: proto.modRevision,
            version: proto.version,
            lease: proto.lease
        )
    }
}
