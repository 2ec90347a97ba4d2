/// The contents of fleetctl's known-hosts file: lines `host[,host…] keytype base64 [comment]`,
/// where a host on a port other than 22 is written `[host]:port` (as OpenSSH writes them, so
/// OpenSSH can re-verify against the same file). Comments, blank lines, hashed hosts, `@`
/// markers and lines that do not parse are kept but never match.
struct KnownHosts: Sendable {
    /// What the file says about a host's offered keys.
    enum Verdict: Sendable, Equatable {
        /// One of the offered keys is stored for the host.
        case known
        /// Nothing is stored for the host.
        case unknown
        /// Keys are stored for the host, and none is among the offered ones.
        case changed
    }

    /// The file's text as read (empty for a missing file).
    let contents: String

    init(contents: String) {
        self.contents = contents
    }

    /// The name a host is stored under: `host` on port 22, else `[host]:port`.
    static func address(host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// The keys stored for `address`, in file order.
    func keys(for address: String) -> [HostKey] {
        contents.split(whereSeparator: \.isNewline).compactMap { line -> HostKey? in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3, let first = fields.first, !first.hasPrefix("#"), !first.hasPrefix("@"),
                  first.split(separator: ",").contains(where: { $0 == address }) else { return nil }
            return HostKey(type: String(fields[1]), base64: String(fields[2]))
        }
    }

    /// Compares the keys a host offers with the stored ones.
    func verdict(for address: String, offered: [HostKey]) -> Verdict {
        let stored = keys(for: address)
        if stored.isEmpty { return .unknown }
        return stored.contains(where: offered.contains) ? .known : .changed
    }

    /// The line that stores `key` for `address`.
    static func line(address: String, key: HostKey) -> String {
        "\(address) \(key.type) \(key.base64)\n"
    }
}
