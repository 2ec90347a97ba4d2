/// A machine running fleetd, as it publishes itself to the cluster.
public struct MachineState: Sendable, Hashable, Codable {
    /// The full machine ID: 32 lowercase hex characters from `/etc/machine-id`.
    public var id: String
    /// The machine's primary (public) IP address; may be empty when unknown.
    public var publicIP: String
    /// Metadata pairs from configuration and API overrides (`region=us-east`).
    public var metadata: [String: String]

    /// - Parameters:
    ///   - id: the full machine ID.
    ///   - publicIP: the machine's primary IP address.
    ///   - metadata: metadata pairs.
    public init(id: String, publicIP: String = "", metadata: [String: String] = [:]) {
        self.id = id
        self.publicIP = publicIP
        self.metadata = metadata
    }

    /// The first 8 characters of the ID, as list-machines shows it.
    public var shortID: String { String(id.prefix(8)) }
}
