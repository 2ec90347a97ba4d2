/// Where each kind of record lives under `etcd_key_prefix`.
///
/// ```
/// units/<name>                 unit contents (immutable once created)
/// desired/<name>               desired state of a unit
/// global/<name>                desired state of a global unit (watched by every agent)
/// schedule/<machine>/<name>    an assignment and its target state (watched by one agent)
/// machines/<id>                machine presence (leased)
/// metadata/<id>                metadata overrides from the API (persistent)
/// states/<name>/<machine>      systemd state reported by an agent (leased)
/// engine/leader                the engine leader (leased)
/// ```
public struct RegistryKeyspace: Sendable, Hashable {
    /// The prefix every key starts with, ending in `/`.
    public let root: String

    /// - Parameter prefix: `etcd_key_prefix`; a missing trailing `/` is added.
    public init(prefix: String = "/_coreos.com/fleet/") {
        root = prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    public var units: String { root + "units/" }
    public var desired: String { root + "desired/" }
    public var global: String { root + "global/" }
    public var schedules: String { root + "schedule/" }
    public var machines: String { root + "machines/" }
    public var metadata: String { root + "metadata/" }
    public var states: String { root + "states/" }
    public var leader: String { root + "engine/leader" }

    public func unit(_ name: String) -> String { units + name }
    public func desired(_ name: String) -> String { desired + name }
    public func global(_ name: String) -> String { global + name }
    public func schedule(machine: String) -> String { schedules + machine + "/" }
    public func schedule(machine: String, unit: String) -> String { schedule(machine: machine) + unit }
    public func machine(_ id: String) -> String { machines + id }
    public func metadata(_ id: String) -> String { metadata + id }
    public func states(unit: String) -> String { states + unit + "/" }
    public func state(unit: String, machine: String) -> String { states(unit: unit) + machine }

    /// The last path component of `key` under `prefix` (a unit name or machine ID).
    func name(of key: String, under prefix: String) -> String? {
        guard key.hasPrefix(prefix) else { return nil }
        let rest = key.dropFirst(prefix.count)
        return rest.isEmpty || rest.contains("/") ? nil : String(rest)
    }

    /// The two components of a `…/<a>/<b>` key under `prefix`.
    func pair(of key: String, under prefix: String) -> (String, String)? {
        guard key.hasPrefix(prefix) else { return nil }
        let parts = key.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
