/// A machine running fleetd, as it publishes itself to the cluster.
public struct MachineState: Sendable, Hashable, Codable {
    /// The full machine ID: 32 lowercase hex characters from `/etc/machine-id`.
    public var id: String
    /// The machine's primary (public) IP address; may be empty when unknown.
    public var publicIP: String
    /// Metadata pairs from configuration and API overrides (`region=us-east`).
    public var metadata: [String: String]
    /// Where other fleetds reach this machine's API (`http://10.0.0.3:49153`); empty when it
    /// has no TCP listener. Used to serve a unit's status from the machine that runs it.
    public var apiURL: String

    /// - Parameters:
    ///   - id: the full machine ID.
    ///   - publicIP: the machine's primary IP address.
    ///   - metadata: metadata pairs.
    ///   - apiURL: the advertised API URL, empty for none.
    public init(id: String, publicIP: String = "", metadata: [String: String] = [:], apiURL: String = "") {
        self.id = id
        self.publicIP = publicIP
        self.metadata = metadata
        self.apiURL = apiURL
    }

    /// The first 8 characters of the ID, as list-machines shows it.
    public var shortID: String { String(id.prefix(8)) }
}
