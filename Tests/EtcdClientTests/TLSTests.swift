import FleetTesting
import Foundation
import Testing
@testable import EtcdClient

/// A throwaway CA with certificates for etcd and its client. etcd's JSON gateway dials etcd's
/// own gRPC port presenting the server certificate, so with --client-cert-auth that certificate
/// must also be valid for client authentication: the peer certificate is.
func makeCertificates(in directory: URL) async throws -> EtcdProcess.TLSFiles {
    let made = try await TestCertificates(directory: directory.path)
    return EtcdProcess.TLSFiles(
        ca: made.caFile, serverCert: made.peerCert, serverKey: made.peerKey,
        clientCert: made.clientCert, clientKey: made.clientKey, clientCertAuth: true)
}

/// Runs `body` with an etcd that serves TLS and requires client certificates.
func withTLSEtcd(_ body: (EtcdProcess, EtcdProcess.TLSFiles) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-etcd-certs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let files = try await makeCertificates(in: directory)
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
