internal import CSystemd

/// The local machine's identity, as systemd knows it.
public enum MachineIdentity {
    /// Reads the machine ID (`/etc/machine-id`) through sd-id128.
    /// - Returns: 32 lowercase hex characters.
    /// - Throws: `SystemdError` when the ID cannot be read.
    public static func machineID() throws(SystemdError) -> String {
        var id = sd_id128_t()
        try sdCheck("sd_id128_get_machine") { sd_id128_get_machine(&id) }
        return withUnsafeBytes(of: id.bytes) { raw in
            raw.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        }
    }
}
