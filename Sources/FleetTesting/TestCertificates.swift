import Foundation

/// A throwaway CA with a server certificate for 127.0.0.1, a client certificate and a peer
/// (fleetd) certificate that is both, plus a second CA's client certificate that the server
/// must refuse; made with openssl.
public struct TestCertificates: Sendable {
    /// Where the files are.
    public let directory: String

    public var caFile: String { path("ca.crt") }
    public var serverCert: String { path("server.crt") }
    public var serverKey: String { path("server.key") }
    public var clientCert: String { path("client.crt") }
    public var clientKey: String { path("client.key") }
    /// A fleetd's API certificate: server and client, for 127.0.0.1.
    public var peerCert: String { path("peer.crt") }
    public var peerKey: String { path("peer.key") }
    public var strangerCert: String { path("stranger.crt") }
    public var strangerKey: String { path("stranger.key") }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Makes the certificates in `directory` (which must exist). openssl runs off Swift's
    /// cooperative pool: waiting for a dozen processes there would stall every other test.
    public init(directory: String) async throws {
        self.directory = directory
        let made = self
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                do {
                    try made.generate()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func generate() throws {
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "otherca"] {
            try Self.openssl(["req", "-x509"] + key + [
                "-keyout", path("\(ca).key"), "-out", path("\(ca).crt"), "-days", "1",
                "-subj", "/CN=fleet test \(ca)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        let leaves: [(name: String, ca: String, extensions: String)] = [
            ("server", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
            ("client", "ca", "extendedKeyUsage=clientAuth\n"),
            ("peer", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"),
            ("stranger", "otherca", "extendedKeyUsage=clientAuth\n"),
        ]
        for leaf in leaves {
            let extensionsFile = path("\(leaf.name).ext")
            try leaf.extensions.write(toFile: extensionsFile, atomically: true, encoding: .utf8)
            try Self.openssl(["req"] + key + [
                "-keyout", path("\(leaf.name).key"), "-out", path("\(leaf.name).csr"),
                "-subj", "/CN=fleet-\(leaf.name)",
            ])
            try Self.openssl([
                "x509", "-req", "-in", path("\(leaf.name).csr"),
                "-CA", path("\(leaf.ca).crt"), "-CAkey", path("\(leaf.ca).key"), "-CAcreateserial",
                "-out", path("\(leaf.name).crt"), "-days", "1", "-extfile", extensionsFile,
            ])
        }
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) failed")
        }
    }
}
