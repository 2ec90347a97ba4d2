/// The identity of a unit's contents: SHA-1 of its canonical serialization (SPEC §1),
/// equal to the original fleet's hash for the same file.
///
/// Encodes as its 40-character lowercase hex string.
public struct UnitHash: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The 20 digest bytes.
    public let bytes: [UInt8]

    /// Wraps a digest.
    /// - Parameter bytes: exactly 20 bytes (checked: a wrong length is our bug).
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 20, "a SHA-1 digest has 20 bytes, got \(bytes.count)")
        self.bytes = bytes
    }

    /// The hash of some canonical serialization bytes.
    /// - Parameter canonicalBytes: the bytes to hash.
    public init(hashing canonicalBytes: [UInt8]) {
        self.init(bytes: SHA1.hash(canonicalBytes))
    }

    /// Parses a full 40-character hex hash (either case).
    /// - Parameter hex: the hex string.
    /// - Returns: nil when `hex` is not 40 hex digits.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 40 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(20)
        var i = 0
        while i < 40 {
            guard let hi = Self.nibble(utf8[i]), let lo = Self.nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        self.bytes = out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The full 40-character lowercase hex form.
    public var hex: String {
        var out: [UInt8] = []
        out.reserveCapacity(40)
        for b in bytes {
            out.append(Self.digits[Int(b >> 4)])
            out.append(Self.digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 7 hex characters, as `list-unit-files` shows it.
    public var short: String { String(hex.prefix(7)) }

    /// The full hex form.
    public var description: String { hex }

    public static func < (lhs: UnitHash, rhs: UnitHash) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// - Parameter decoder: a decoder holding a 40-character hex string.
    /// - Throws: `DecodingError.dataCorrupted` when the string is not a hash.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let hash = UnitHash(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a 40-character hex SHA-1 hash: \(text)")
        }
        self = hash
    }

    /// - Parameter encoder: receives the hex string.
    /// - Throws: whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
