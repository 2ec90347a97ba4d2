/// The keys an operation applies to: one key, a prefix, a half-open range, or every key from one on.
public struct EtcdKeyRange: Sendable, Hashable {
    /// First key of the range.
    public var key: [UInt8]
    /// End of the range (exclusive); empty for a single key, `[0]` for "every key from `key` on".
    public var rangeEnd: [UInt8]

    /// Creates a range from raw bounds, as etcd defines them.
    /// - Parameters:
    ///   - key: First key.
    ///   - rangeEnd: Exclusive end; empty for only `key`, `[0]` for all keys `>= key`.
    public init(key: [UInt8], rangeEnd: [UInt8]) {
        self.key = key
        self.rangeEnd = rangeEnd
    }

    /// Exactly one key.
    /// - Parameter key: The key.
    public static func key(_ key: String) -> EtcdKeyRange {
        EtcdKeyRange(key: Array(key.utf8), rangeEnd: [])
    }

    /// Every key that starts with `prefix`. An empty prefix means every key.
    /// - Parameter prefix: The common prefix.
    public static func prefix(_ prefix: String) -> EtcdKeyRange {
        let bytes = Array(prefix.utf8)
        return EtcdKeyRange(key: bytes.isEmpty ? [0] : bytes, rangeEnd: prefixEnd(bytes))
    }

    /// Keys in `[from, to)`.
    /// - Parameters:
    ///   - from: First key, included.
    ///   - to: End key, excluded.
    public static func range(from: String, to: String) -> EtcdKeyRange {
        EtcdKeyRange(key: Array(from.utf8), rangeEnd: Array(to.utf8))
    }

    /// Every key greater than or equal to `key`.
    /// - Parameter key: The first key.
    public static func from(_ key: String) -> EtcdKeyRange {
        EtcdKeyRange(key: Array(key.utf8), rangeEnd: [0])
    }

    /// The smallest key greater than every key with this prefix: the prefix with its last byte
    /// below 0xff incremented and the rest dropped (etcd's rule). `[0]` (no end) when no such
    /// key exists.
    static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }
}
