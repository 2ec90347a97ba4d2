import FleetCore

/// How listings and messages name a machine: `113f16a7...` (short ID and an ellipsis) or the
/// whole ID with `--full`; the "full legend" adds `/IP` when the IP is known.
enum MachineLegend {
    /// `113f16a7...`, or the whole ID when `full` (IDs of 8 characters or fewer stay whole).
    static func id(_ machineID: String, full: Bool) -> String {
        guard !full, machineID.count > 8 else { return machineID }
        return String(machineID.prefix(8)) + "..."
    }

    /// `113f16a7.../10.0.0.3`; without `/IP` when the machine or its IP is unknown.
    static func full(_ machineID: String, machines: [String: APIMachine], full: Bool) -> String {
        let legend = id(machineID, full: full)
        guard let ip = machines[machineID]?.primaryIP, !ip.isEmpty else { return legend }
        return legend + "/" + ip
    }
}
