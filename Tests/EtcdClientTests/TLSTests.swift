import FleetTesting
import Foundation
import Testing
@testable import EtcdClient

/// Makes a throwaway CA, a server certificate for 127.0.0.1 and a client certificate with openssl.
func makeCertificates(in directory: URL) throws -> EtcdProcess.TLSFiles {
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw EtcdProcessError("openssl \(arguments.joined(separator: " ")) failed")
        }
    }
    let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    try openssl(["req", "-x509"] + key + ["-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "1", "-subj", "/CN=fleet test CA"])
    // etcd's JSON gateway dials etcd's own gRPC port presenting the server certificate, so with
    // --client-cert-auth that certificate must also be valid for client authentication.
    for (name, usage) in [("server", "serverAuth,clientAuth"), ("client", "clientAuth")] {
        try openssl(["req"] + key + ["-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=fleet-\(name)"])
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=\(usage)\n".write(
            toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-out", path("\(name).crt"), "-days", "1", "-extfile", path("\(name).ext"),
        ])
    }
    return EtcdProcess.TLSFiles(
        ca: path("ca.crt"), serverCert: path("server.crt"), serverKey: path("server.key"),
        clientCert: path("client.crt"), clientKey: path("client.key"), clientCertAuth: true)
}

/// Runs `body` with an etcd that serves TLS and requires client certificates.
func withTLSEtcd(_ body: (EtcdProcess, EtcdProcess.TLSFiles) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-etcd-certs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let files = try makeCertificates(in: directory)
    try await EtcdProcess.with(.init(tls: files)) { etcd in try await body(etcd, files) }
}

@Suite("TLS against a real etcd")
struct TLSTests {
    @Test func clientCertificateAndCAGiveAWorkingClient() async throws {
        try await withTLSEtcd { etcd, files in
            #expect(etcd.clientURL.hasPrefix("https://"))
            try await withClient([etcd.clientURL], configure: {
                $0.tls = .init(caFile: files.ca, certFile: files.clientCert, keyFile: files.clientKey)
            }) { client in
                let start = try await client.put("tls/k", value: "v1").revision + 1
                #expect(try await client.get("tls/k")?.valueString == "v1")
                let (log, task) = record(client.watch(.prefix("tls/"), options: .init(startRevision: start)))
                defer { task.cancel() }
                try await client.put("tls/k", value: "v2")
                #expect(await eventually(within: .seconds(10)) { await log.events.count == 1 })
            }
        }
    }

    @Test func withoutAClientCertificateTheHandshakeFailsAsUnavailable() async throws {
        try await withTLSEtcd { etcd, files in
            try await withClient([etcd.clientURL], configure: { $0.tls = .init(caFile: files.ca) }) { client in
                let error = await #expect(throws: EtcdError.self) { try await client.get("k") }
                #expect(error?.code == .unavailable)
                #expect(error?.description.contains(etcd.clientURL) == true)
            }
        }
    }

    @Test func anUntrustedServerCertificateIsRefused() async throws {
        try await withTLSEtcd { etcd, files in
            // The system roots do not include the test CA.
            try await withClient([etcd.clientURL], configure: {
                $0.tls = .init(certFile: files.clientCert, keyFile: files.clientKey)
            }) { client in
                let error = await #expect(throws: EtcdError.self) { try await client.get("k") }
                #expect(error?.code == .unavailable)
            }
        }
    }

    @Test func aCertificateWithoutItsKeyOrAMissingFileIsAConfigurationError() throws {
        var configuration = EtcdClientConfiguration(endpoints: ["https://127.0.0.1:1"])
        configuration.tls = .init(certFile: "/nonexistent/client.crt")
        #expect(throws: EtcdError.self) { _ = try EtcdClient(configuration: configuration) }
        configuration.tls = .init(caFile: "/nonexistent/ca.crt")
        do {
            _ = try EtcdClient(configuration: configuration)
            Issue.record("a missing CA file must be refused")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.contains("/nonexistent/ca.crt"))
        }
    }
}
