/// A signal from systemd's manager, decoded into Swift.
///
/// systemd sends these once a client has called `Subscribe` (on its private socket it sends them
/// to every client). Arguments are as in org.freedesktop.systemd1(5).
public enum SystemdEvent: Sendable, Hashable {
    /// `PropertiesChanged` on a unit object: `interface` is `org.freedesktop.systemd1.Unit` for
    /// load/active/sub state, or the type's interface (`…Service`) for `MainPID`, `Result`.
    case unitPropertiesChanged(unit: String, interface: String, properties: [String: BusValue], invalidated: [String])
    /// A job was queued.
    case jobNew(id: UInt32, job: String, unit: String)
    /// A job finished; `result` is `done`, `canceled`, `timeout`, `failed`, `dependency` or `skipped`.
    case jobRemoved(id: UInt32, job: String, unit: String, result: String)
    /// A unit was loaded into memory.
    case unitNew(unit: String, path: String)
    /// A unit was dropped from memory.
    case unitRemoved(unit: String, path: String)
    /// A `daemon-reload` started (`true`) or finished (`false`).
    case reloading(active: Bool)
}
