import AsyncHTTPClient
import FleetCore
import FleetServer
import FleetTesting
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

@Suite struct TLSTests {
    private func get(_ url: String, certificate: (cert: String, key: String)?, caFile: String) async throws -> Int {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(caFile)
        if let certificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.cert).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificate.key, format: .pem))
        }
        return try await withHTTPClient(HTTPClient.Configuration(tlsConfiguration: tls)) { client in
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            return Int(response.status.code)
        }
    }

    @Test func tcpListenersRequireAClientCertificateFromTheCA() async throws {
        try await withTestDirectory { directory in
            let certificates = try await TestCertificates(in: directory)
            let tcp = try TestSockets.listeningTCP()
            let socket = directory.path("fleet.sock")
            let configuration = APIServerConfiguration(
                unixSocketPath: socket,
                inheritedListeners: [tcp.fd],
                tls: .init(certFile: certificates.serverCert, keyFile: certificates.serverKey, caFile: certificates.caFile)
            )
            try await withServer(configuration) { server in
                #expect(server.listeningDescriptions == ["tcp:127.0.0.1:\(tcp.port) (tls)", "unix:\(socket)"])
                let url = "https://127.0.0.1:\(tcp.port)/fleet/v1/units"
                #expect(try await get(url, certificate: (certificates.clientCert, certificates.clientKey), caFile: certificates.caFile) == 200)
                await #expect(throws: (any Error).self) {
                    _ = try await get(url, certificate: nil, caFile: certificates.caFile)
                }
                await #expect(throws: (any Error).self) {
                    _ = try await get(url, certificate: (certificates.strangerCert, certificates.strangerKey), caFile: certificates.caFile)
                }
                // Plain HTTP on a TLS port is refused too.
                try await RawHTTPConnection.with(.tcp(port: tcp.port)) { connection in
                    try await connection.sendRequest("GET", "/fleet/v1/units")
                    await #expect(throws: (any Error).self) { _ = try await connection.readResponse() }
                }
                // The unix socket stays plain HTTP.
                try await RawHTTPConnection.with(.unix(socket)) { connection in
                    try await connection.sendRequest("GET", "/fleet/v1/units")
                    #expect(try await connection.readResponse().status == 200)
                }
            }
        }
    }

    @Test func forwardedStatusAndJournalRequestsPresentTheFleetdsCertificate() async throws {
        try await withTestDirectory { directory in
            let certificates = try await TestCertificates(in: directory)
            let tcp = try TestSockets.listeningTCP()
            let configuration = APIServerConfiguration(
                inheritedListeners: [tcp.fd],
                tls: .init(certFile: certificates.peerCert, keyFile: certificates.peerKey, caFile: certificates.caFile))
            try await withServer(configuration) { _ in
                let url = "https://127.0.0.1:\(tcp.port)"
                let peer = HTTPAPITransport.TLSFiles(caFile: certificates.caFile, certFile: certificates.peerCert, keyFile: certificates.peerKey)
                let status = try await UnitStatusHandler.httpForward(tls: peer)(url, "/fleet/v1/units", [:])
                #expect(status.status == 200)
                let journal = try await UnitJournalHandler.httpForward(tls: peer)(url, "/fleet/v1/units", [:])
                #expect(journal.status == 200)
                for try await _ in journal.body {}
                // Without a client certificate the listener lets nothing in.
                let anonymous = HTTPAPITransport.TLSFiles(caFile: certificates.caFile)
                await #expect(throws: APIClientError.self) {
                    _ = try await UnitStatusHandler.httpForward(tls: anonymous)(url, "/fleet/v1/units", [:])
                }
                await #expect(throws: APIClientError.self) {
                    _ = try await UnitJournalHandler.httpForward(tls: anonymous)(url, "/fleet/v1/units", [:])
                }
            }
        }
    }

    @Test func withoutACAFileNoClientCertificateIsNeeded() async throws {
        try await withTestDirectory { directory in
            let certificates = try await TestCertificates(in: directory)
            let tcp = try TestSockets.listeningTCP()
            let configuration = APIServerConfiguration(
                inheritedListeners: [tcp.fd],
                tls: .init(certFile: certificates.serverCert, keyFile: certificates.serverKey)
            )
            try await withServer(configuration) { _ in
                let status = try await get("https://127.0.0.1:\(tcp.port)/fleet/v1/units", certificate: nil, caFile: certificates.caFile)
                #expect(status == 200)
            }
        }
    }

    @Test func anUnreadableTLSFileIsNamedInTheError() async throws {
        try await withTestDirectory { directory in
            let certificates = try await TestCertificates(in: directory)
            let missing = directory.path("missing.key")
            let cases: [(APIServerConfiguration.TLSFiles, String)] = [
                (.init(certFile: certificates.serverCert, keyFile: missing), "cannot load TLS key \(missing)"),
                (.init(certFile: missing, keyFile: certificates.serverKey), "cannot load TLS certificate \(missing)"),
                (.init(certFile: certificates.serverCert, keyFile: certificates.serverKey, caFile: missing), "cannot load TLS CA file \(missing)"),
                (.init(certFile: certificates.serverCert, keyFile: certificates.clientKey), "cannot use TLS certificate \(certificates.serverCert) with key \(certificates.clientKey)"),
            ]
            for (files, prefix) in cases {
                let tcp = try TestSockets.listeningTCP()
                defer { TestSockets.closeDescriptor(tcp.fd) }
                let server = APIServer(
                    configuration: APIServerConfiguration(inheritedListeners: [tcp.fd], tls: files),
                    handler: registryHandler(),
                    logger: Logger(label: "test")
                )
                let error = await #expect(throws: APIServerError.self) { try await server.start() }
                #expect(error?.code == .tls)
                #expect(error?.message.hasPrefix(prefix) == true, "\(error?.message ?? "")")
            }
        }
    }
}
