import NIOSSL

/// Builds the TLS context for TCP listeners from PEM files, naming the file that fails.
enum ServerTLS {
    static func makeContext(_ files: APIServerConfiguration.TLSFiles) throws(APIServerError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certFile)
        } catch {
            throw APIServerError(.tls, "cannot load TLS certificate \(files.certFile): \(error)")
        }
        guard !chain.isEmpty else {
            throw APIServerError(.tls, "cannot load TLS certificate \(files.certFile): no certificate in the file")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: files.keyFile, format: .pem)
        } catch {
            throw APIServerError(.tls, "cannot load TLS key \(files.keyFile): \(error)")
        }
        var configuration: TLSConfiguration
        if let caFile = files.caFile {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw APIServerError(.tls, "cannot load TLS CA file \(caFile): \(error)")
            }
            guard !roots.isEmpty else {
                throw APIServerError(.tls, "cannot load TLS CA file \(caFile): no certificate in the file")
            }
            // Client certificates are required and must chain to these roots; clients have
            // no host name to check.
            configuration = .makeServerConfigurationWithMTLS(
                certificateChain: chain.map { .certificate($0) },
                privateKey: .privateKey(key),
                trustRoots: .certificates(roots)
            )
        } else {
            configuration = .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        }
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw APIServerError(.tls, "cannot use TLS certificate \(files.certFile) with key \(files.keyFile): \(error)")
        }
    }
}
