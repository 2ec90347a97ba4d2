/// SHA-1 (FIPS 180-4), used only for unit hashes: fleet identifies a unit's contents by
/// `sha1(canonical serialization)`, so the digest must be bit-for-bit the standard one.
///
/// Not for security: SHA-1 is broken for collision resistance; fleet uses it as a content ID.
/// Value type with no global state; feed bytes with `update`, then call `finalize` once.
public struct SHA1: Sendable {
    private var h0: UInt32 = 0x6745_2301
    private var h1: UInt32 = 0xEFCD_AB89
    private var h2: UInt32 = 0x98BA_DCFE
    private var h3: UInt32 = 0x1032_5476
    private var h4: UInt32 = 0xC3D2_E1F0
    /// Bytes of an incomplete 64-byte block, waiting for more input.
    private var pending: [UInt8] = []
    /// Total message length in bytes.
    private var length: UInt64 = 0

    /// A fresh hasher.
    public init() {
        pending.reserveCapacity(64)
    }

    /// The digest of `bytes` in one call.
    /// - Parameter bytes: the whole message.
    /// - Returns: the 20-byte digest.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var s = SHA1()
        s.update(bytes)
        return s.finalize()
    }

    /// Adds message bytes.
    /// - Parameter bytes: the next part of the message.
    public mutating func update(_ bytes: [UInt8]) {
        length &+= UInt64(bytes.count)
        var i = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            i = take
            guard pending.count == 64 else { return }
            let block = pending
            compress(block, at: 0)
            pending.removeAll(keepingCapacity: true)
        }
        while bytes.count - i >= 64 {
            compress(bytes, at: i)
            i += 64
        }
        if i < bytes.count {
            pending.append(contentsOf: bytes[i...])
        }
    }

    /// Pads the message and returns the digest. The hasher must not be used afterwards.
    /// - Returns: the 20-byte digest.
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        var i = 0
        while i < tail.count {
            compress(tail, at: i)
            i += 64
        }
        pending.removeAll()
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for word in [h0, h1, h2, h3, h4] {
            out.append(UInt8(truncatingIfNeeded: word >> 24))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    @inline(__always)
    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x << n) | (x >> (32 &- n))
    }

    /// Processes the 64-byte block of `bytes` starting at `start`.
    private mutating func compress(_ bytes: [UInt8], at start: Int) {
        // The message schedule lives on the stack (InlineArray): no allocation per block.
        var w = InlineArray<80, UInt32>(repeating: 0)
        for t in 0..<16 {
            let j = start + t * 4
            w[t] = UInt32(bytes[j]) << 24 | UInt32(bytes[j + 1]) << 16
                | UInt32(bytes[j + 2]) << 8 | UInt32(bytes[j + 3])
        }
        for t in 16..<80 {
            w[t] = Self.rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1)
        }
        var a = h0, b = h1, c = h2, d = h3, e = h4
        @inline(__always)
        func round(_ f: UInt32, _ k: UInt32, _ wt: UInt32) {
            let temp = Self.rotl(a, 5) &+ f &+ e &+ k &+ wt
            e = d
            d = c
            c = Self.rotl(b, 30)
            b = a
            a = temp
        }
        for t in 0..<20 { round((b & c) | (~b & d), 0x5A82_7999, w[t]) }
        for t in 20..<40 { round(b ^ c ^ d, 0x6ED9_EBA1, w[t]) }
        for t in 40..<60 { round((b & c) | (b & d) | (c & d), 0x8F1B_BCDC, w[t]) }
        for t in 60..<80 { round(b ^ c ^ d, 0xCA62_C1D6, w[t]) }
        h0 &+= a
        h1 &+= b
        h2 &+= c
        h3 &+= d
        h4 &+= e
    }
}
