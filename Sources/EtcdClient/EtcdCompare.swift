#if canImport(FoundationEssentials)
import FoundationEssentials  // Data, the protobuf bytes type
#else
import Foundation
#endif

/// One guard of a transaction: a field of a key (or of every key in a range) compared with a value.
///
/// A missing key has version, create revision, mod revision and lease 0, so
/// `EtcdCompare(.key(k), .createRevision(0), .equal)` means "k does not exist".
public struct EtcdCompare: Sendable, Hashable {
    /// The comparison.
    public enum Operator: Sendable, Hashable {
        case equal, notEqual, greater, less
    }

    /// The field compared and the value it is compared with.
    public enum Target: Sendable, Hashable {
        /// Number of modifications since creation (0: absent).
        case version(Int64)
        /// Revision of creation (0: absent).
        case createRevision(Int64)
        /// Revision of the last modification (0: absent).
        case modRevision(Int64)
        /// The value's bytes.
        case value([UInt8])
        /// The attached lease (0: none).
        case lease(Int64)
    }

    /// The key or keys compared.
    public var keys: EtcdKeyRange
    /// The field and value.
    public var target: Target
    /// The comparison.
    public var op: Operator

    /// Creates a guard.
    /// - Parameters:
    ///   - keys: The key (or range: every key in it must pass).
    ///   - target: The field and the value to compare it with.
    ///   - op: The comparison.
    public init(_ keys: EtcdKeyRange, _ target: Target, _ op: Operator) {
        self.keys = keys
        self.target = target
        self.op = op
    }

    var payloadBytes: Int {
        if case .value(let bytes) = target { return bytes.count + keys.key.count }
        return keys.key.count
    }

    var proto: Etcdserverpb_Compare {
        var compare = Etcdserverpb_Compare()
        compare.key = .init(keys.key)
        compare.rangeEnd = .init(keys.rangeEnd)
        switch op {
        case .equal: compare.result = .equal
        case .notEqual: compare.result = .notEqual
        case .greater: compare.result = .greater
        case .less: compare.result = .less
        }
        switch target {
        case .version(let v):
            compare.target = .version
            compare.targetUnion = .version(v)
        case .createRevision(let v):
            compare.target = .create
            compare.targetUnion = .createRevision(v)
        case .modRevision(let v):
            compare.target = .mod
            compare.targetUnion = .modRevision(v)
        case .value(let v):
            compare.target = .value
            compare.targetUnion = .value(.init(v))
        case .lease(let v):
            compare.target = .lease
            compare.targetUnion = .lease(v)
        }
        return compare
    }
}
