/// Reads what systemd says of a unit on this machine, for the API's status endpoint. fleetd
/// plugs in one that runs `systemctl status`; tests use their own.
public protocol UnitStatusReader: Sendable {
    /// `systemctl status -l --no-pager UNIT` on this machine.
    /// - Returns: its output and exit status (3 for an inactive unit, as systemctl says).
    /// - Throws: when the status cannot be read at all.
    func status(of unit: String) async throws -> UnitStatusReport
}

/// The answer of `GET /fleet/v1/units/NAME/status`.
public struct UnitStatusReport: Sendable, Hashable, Codable {
    /// The unit's name.
    public var name: String
    /// The machine that ran `systemctl status`.
    public var machineID: String
    /// systemctl's exit status.
    public var exitStatus: Int32
    /// systemctl's output.
    public var output: String

    public init(name: String, machineID: String = "", exitStatus: Int32, output: String) {
        self.name = name
        self.machineID = machineID
        self.exitStatus = exitStatus
        self.output = output
    }
}
