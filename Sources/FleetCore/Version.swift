/// The version both executables report (`fleetctl version`, `fleetd --version`).
public enum FleetVersion {
    /// The release this build belongs to.
    public static let current = "0.1.0"
}
