import Foundation
import Testing
@testable import fleetctl

@Suite struct KnownHostsTests {
    static let ed25519 = HostKey(type: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAIGbXSdZqD2p6ZylUk2/8wAYmnYSzSSyibXUD+Xt6a+g+")!
    static let other = HostKey(type: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAIH5vYW1zBB8e3vC0jb2b0bTt8w4t0w2s7oSP0Y3hJv1n")!

    @Test func sha256MatchesTheStandardVectors() {
        let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // Two blocks of padding.
        #expect(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func fingerprintIsTheOneOpenSSHPrints() {
        // `ssh-keygen -lf` of this key printed SHA256:Wznb3Kext3hUXAXLgeyE7HNBzb64sMlPw1YXj9nhRvc.
        #expect(Self.ed25519.fingerprint == "SHA256:Wznb3Kext3hUXAXLgeyE7HNBzb64sMlPw1YXj9nhRvc")
        #expect(Self.ed25519.displayType == "ED25519")
    }

    @Test func keysWhoseBlobDoesNotMatchTheirTypeAreRefused() {
        #expect(HostKey(type: "ssh-rsa", base64: Self.ed25519.base64) == nil)
        #expect(HostKey(type: "ssh-ed25519", base64: "not base64!") == nil)
        #expect(HostKey(type: "ssh-ed25519", base64: "") == nil)
    }

    @Test func addressesFollowOpenSSH() {
        #expect(KnownHosts.address(host: "10.0.0.3", port: 22) == "10.0.0.3")
        #expect(KnownHosts.address(host: "10.0.0.3", port: 2222) == "[10.0.0.3]:2222")
        #expect(KnownHosts.address(host: "::1", port: 2222) == "[::1]:2222")
    }

    @Test func parsingSkipsCommentsMarkersHashesAndGarbage() {
        let file = KnownHosts(contents: """
            # a comment with [127.0.0.1]:2222 ssh-ed25519 \(Self.other.base64)
            @cert-authority [127.0.0.1]:2222 ssh-ed25519 \(Self.other.base64)
            |1|abc=|def= ssh-ed25519 \(Self.other.base64)
            garbage line
            10.0.0.9,[127.0.0.1]:2222 ssh-ed25519 \(Self.ed25519.base64) a comment

            127.0.0.1 ssh-ed25519 \(Self.other.base64)
            """)
        #expect(file.keys(for: "[127.0.0.1]:2222") == [Self.ed25519])
        #expect(file.keys(for: "10.0.0.9") == [Self.ed25519])
        #expect(file.keys(for: "127.0.0.1") == [Self.other])
        #expect(file.keys(for: "[127.0.0.1]:22") == [])
    }

    @Test func verdicts() {
        let file = KnownHosts(contents: KnownHosts.line(address: "[h]:2222", key: Self.ed25519))
        #expect(file.verdict(for: "[h]:2222", offered: [Self.other, Self.ed25519]) == .known)
        #expect(file.verdict(for: "[h]:2222", offered: [Self.other]) == .changed)
        #expect(file.verdict(for: "h", offered: [Self.ed25519]) == .unknown)
    }

    @Test func keyscanOutputIsParsed() {
        let keys = HostKeyChecker.parseKeyscan("""
            # 127.0.0.1:2222 SSH-2.0-OpenSSH_9.2p1
            [127.0.0.1]:2222 ssh-ed25519 \(Self.ed25519.base64)
            [127.0.0.1]:2222 ssh-rsa AAAAbroken
            """)
        #expect(keys == [Self.ed25519])
    }

    @Test func appendingKeepsOtherLinesAndCreatesPrivateFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sub/known_hosts"
        try HostKeyChecker.append("a ssh-ed25519 \(Self.other.base64)", to: path)
        try HostKeyChecker.append(KnownHosts.line(address: "[b]:2", key: Self.ed25519), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8)
            == "a ssh-ed25519 \(Self.other.base64)\n[b]:2 ssh-ed25519 \(Self.ed25519.base64)\n")
        let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let directoryMode = try FileManager.default.attributesOfItem(atPath: directory + "/sub")[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(directoryMode == 0o700)
    }

    @Test func shellQuotingKeepsEveryWordOneWord() {
        #expect(ShellQuote.word("a;touch /tmp/x") == "'a;touch /tmp/x'")
        #expect(ShellQuote.word("it's") == #"'it'\''s'"#)
        #expect(ShellQuote.command(["systemctl", "status", "-l", "$(reboot)"]) == "'systemctl' 'status' '-l' '$(reboot)'")
        // What a POSIX shell makes of it: the same words back.
        let words = ["a;touch /tmp/x", "it's", "$(id)", "`id`", "a b", "", "\\"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "printf '%s\\n' " + ShellQuote.command(words)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(output == words.map { $0 + "\n" }.joined())
    }
}
