/// A D-Bus value read out of a variant (a property value, a signal argument), copied into Swift.
///
/// Only the shapes systemd's unit properties use are decoded; anything else is `.unsupported`
/// with its signature, so a new property never breaks decoding.
public enum BusValue: Sendable, Hashable {
    case string(String)
    case objectPath(String)
    case bool(Bool)
    case byte(UInt8)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case strings([String])
    /// `(ss)`, as `LoadError` is.
    case stringPair(String, String)
    /// A value of a type not decoded here, with its D-Bus signature.
    case unsupported(signature: String)

    /// The value as a string, for `s` and `o`.
    public var string: String? {
        switch self {
        case .string(let value), .objectPath(let value): value
        default: nil
        }
    }

    /// The value as an unsigned integer, for any unsigned or non-negative integer type.
    public var uint64: UInt64? {
        switch self {
        case .byte(let value): UInt64(value)
        case .uint32(let value): UInt64(value)
        case .uint64(let value): value
        case .int32(let value): value >= 0 ? UInt64(value) : nil
        case .int64(let value): value >= 0 ? UInt64(value) : nil
        default: nil
        }
    }

    /// The value as a boolean, for `b`.
    public var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }
}
