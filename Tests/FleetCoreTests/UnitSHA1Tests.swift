import Testing
@testable import FleetCore

private func hex(_ bytes: [UInt8]) -> String {
    UnitHash(bytes: bytes).hex
}

@Test func sha1FIPSVectors() {
    #expect(hex(SHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    #expect(hex(SHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    let m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
    #expect(hex(SHA1.hash(Array(m448.utf8))) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
}

@Test func sha1OfAMillionAs() {
    let a = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    #expect(hex(SHA1.hash(a)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
}

@Test func sha1IncrementalUpdatesMatchOneShot() {
    let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8) + Array(repeating: 7, count: 200)
    let whole = SHA1.hash(message)
    for chunk in [1, 3, 55, 56, 63, 64, 65, 127] {
        var s = SHA1()
        var i = 0
        while i < message.count {
            let j = min(i + chunk, message.count)
            s.update(Array(message[i..<j]))
            i = j
        }
        #expect(s.finalize() == whole, "chunk size \(chunk)")
    }
}

@Test func sha1PaddingBoundaries() {
    // Lengths around the 55/56/64-byte padding edges, checked against sha1sum:
    //   head -c N /dev/zero | tr '\0' x | sha1sum
    let expected = [
        55: "cef734ba81a024479e09eb5a75b6ddae62e6abf1",
        56: "901305367c259952f4e7af8323f480d59f81335b",
        64: "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163",
    ]
    for (n, digest) in expected {
        #expect(hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "x"), count: n))) == digest, "length \(n)")
    }
}
