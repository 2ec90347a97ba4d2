import Foundation

/// One SSH host public key as known_hosts and ssh-keyscan write it: a key type
/// (`ssh-ed25519`) and the base64 key blob.
struct HostKey: Sendable, Hashable {
    /// The key type as written in the file (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`).
    let type: String
    /// The key blob in base64.
    let base64: String

    /// nil unless `base64` decodes and the blob names the same type (the blob starts with it).
    init?(type: String, base64: String) {
        guard let blob = Data(base64Encoded: base64), blob.count >= 4 else { return nil }
        let bytes = [UInt8](blob)
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length == type.utf8.count, bytes.count >= 4 + length,
              String(decoding: bytes[4..<(4 + length)], as: UTF8.self) == type else { return nil }
        self.type = type
        self.base64 = base64
    }

    /// The decoded key blob.
    var blob: [UInt8] { [UInt8](Data(base64Encoded: base64) ?? Data()) }

    /// The fingerprint as OpenSSH prints it: `SHA256:` and the unpadded base64 of the digest.
    var fingerprint: String {
        var encoded = Data(SHA256.hash(blob)).base64EncodedString()
        while encoded.hasSuffix("=") { encoded.removeLast() }
        return "SHA256:" + encoded
    }

    /// The algorithm's name in messages (`ED25519`, `ECDSA`, `RSA`), as OpenSSH shows it.
    var displayType: String {
        switch type {
        case "ssh-ed25519": "ED25519"
        case "ssh-rsa": "RSA"
        case "ssh-dss": "DSA"
        case let other where other.hasPrefix("ecdsa-"): "ECDSA"
        default: type
        }
    }

    /// How strongly fleetctl prefers this type when a host offers several (lower first).
    var preference: Int {
        switch type {
        case "ssh-ed25519": 0
        case let other where other.hasPrefix("ecdsa-"): 1
        case "ssh-rsa": 2
        default: 3
        }
    }
}
