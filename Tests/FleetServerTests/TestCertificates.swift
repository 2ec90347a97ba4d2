import Foundation

/// A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, plus a
/// second CA's client certificate that the server must refuse; made with openssl.
struct TestCertificates {
    let directory: TestDirectory

    var caFile: String { directory.path("ca.crt") }
    var serverCert: String { directory.path("server.crt") }
    var serverKey: String { directory.path("server.key") }
    var clientCert: String { directory.path("client.crt") }
    var clientKey: String { directory.path("client.key") }
    var strangerCert: String { directory.path("stranger.crt") }
    var strangerKey: String { directory.path("stranger.key") }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(in directory: TestDirectory) throws {
        self.directory = directory
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "otherca"] {
            try Self.openssl(["req", "-x509"] + key + [
                "-keyout", directory.path("\(ca).key"), "-out", directory.path("\(ca).crt"), "-days", "1",
                "-subj", "/CN=fleet test \(ca)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        let leaves: [(name: String, ca: String, extensions: String)] = [
            ("server", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
            ("client", "ca", "extendedKeyUsage=clientAuth\n"),
            ("stranger", "otherca", "extendedKeyUsage=clientAuth\n"),
        ]
        for leaf in leaves {
            let extensionsFile = directory.path("\(leaf.name).ext")
            try leaf.extensions.write(toFile: extensionsFile, atomically: true, encoding: .utf8)
            try Self.openssl(["req"] + key + [
                "-keyout", directory.path("\(leaf.name).key"), "-out", directory.path("\(leaf.name).csr"),
                "-subj", "/CN=fleet-\(leaf.name)",
            ])
            try Self.openssl([
                "x509", "-req", "-in", directory.path("\(leaf.name).csr"),
                "-CA", directory.path("\(leaf.ca).crt"), "-CAkey", directory.path("\(leaf.ca).key"), "-CAcreateserial",
                "-out", directory.path("\(leaf.name).crt"), "-days", "1", "-extfile", extensionsFile,
            ])
        }
    }

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
