/// fleetd's configuration: every option of the original fleet, with the same names, defaults
/// and value formats, plus this implementation's own (`fence_on_disconnect`, `api_*`).
///
/// Sources, weakest first: defaults, the INI file (`/etc/fleet/fleet.conf`), `FLEET_<NAME>`
/// environment variables, command-line flags.
public struct FleetConfiguration: Sendable, Hashable {
    public var verbosity = 0
    public var etcdServers = ["http://127.0.0.1:2379", "http://127.0.0.1:4001"]
    public var etcdRequestTimeout: Duration = .seconds(1)
    public var etcdCAFile = ""
    public var etcdCertFile = ""
    public var etcdKeyFile = ""
    public var etcdUsername = ""
    public var etcdPassword = ""
    public var etcdKeyPrefix = "/_coreos.com/fleet/"
    public var publicIP = ""
    public var metadata: [String: String] = [:]
    public var agentTTL: Duration = .seconds(30)
    public var engineReconcileInterval: Duration = .seconds(2)
    public var tokenLimit = 100
    public var disableEngine = false
    public var disableWatches = false
    public var unitsDirectory = "/run/fleet/units/"
    public var systemdUser = false
    /// Stop non-global units when the machine's lease can no longer be renewed, so a unit
    /// never runs twice under a network partition.
    public var fenceOnDisconnect = false
    /// TLS for the API's TCP listeners: require client certificates signed by this CA.
    public var apiCAFile = ""
    public var apiCertFile = ""
    public var apiKeyFile = ""
    /// Undocumented (tests, simulator): `unit_manager=memory` runs units in an in-memory
    /// systemd model instead of the real one.
    public var unitManager = UnitManagerKind.systemd
    /// Undocumented (tests): the API's unix socket instead of `/var/run/fleet.sock`.
    public var apiSocket = "/var/run/fleet.sock"
    /// Undocumented (tests): this machine's ID instead of `/etc/machine-id` (32 hex digits).
    public var machineID = ""

    /// Which unit manager fleetd drives.
    public enum UnitManagerKind: String, Sendable, Hashable {
        case systemd
        case memory
    }

    /// The defaults.
    public init() {}

    /// Options the original accepted that this implementation ignores (with a warning).
    public static let ignoredOptions: Set<String> = ["enable_grpc", "verify_units", "authorized_keys_file"]

    /// Options for tests and the simulator, left out of `fleetd -help`.
    public static let hiddenOptions: Set<String> = ["unit_manager", "api_socket", "machine_id"]

    /// Every option name, in the order `fleetd -help` lists them, then the hidden ones.
    public static var optionNames: [String] { setters.map(\.name) + ignoredOptions.sorted() }

    /// Builds the configuration from its sources.
    /// - Parameters:
    ///   - file: the configuration file's contents, if any.
    ///   - environment: the process environment (only `FLEET_*` variables are read).
    ///   - flags: option name → value from the command line.
    /// - Returns: the configuration and warnings to log (ignored or unknown options).
    /// - Throws: `ConfigurationError` naming the option, its source and the bad value.
    public static func load(
        file: String? = nil,
        environment: [String: String] = [:],
        flags: [(name: String, value: String)] = []
    ) throws(ConfigurationError) -> (configuration: FleetConfiguration, warnings: [String]) {
        var configuration = FleetConfiguration()
        var warnings: [String] = []
        var settings: [(name: String, value: String, source: String)] = []
        if let file {
            for entry in try parseFile(file) {
                settings.append((entry.name, entry.value, "fleet.conf line \(entry.line)"))
            }
        }
        for name in optionNames {
            if let value = environment["FLEET_" + name.uppercased()] {
                settings.append((name, value, "environment variable FLEET_\(name.uppercased())"))
            }
        }
        for flag in flags { settings.append((flag.name, flag.value, "flag -\(flag.name)")) }

        for setting in settings {
            if ignoredOptions.contains(setting.name) {
                warnings.append("option \(setting.name) (\(setting.source)) is not supported and is ignored")
                continue
            }
            guard let setter = setters.first(where: { $0.name == setting.name }) else {
                warnings.append("unknown option \(setting.name) (\(setting.source)) is ignored")
                continue
            }
            guard let problem = setter.apply(&configuration, setting.value) else { continue }
            throw ConfigurationError(option: setting.name, source: setting.source, value: setting.value, problem: problem)
        }
        return (configuration, warnings)
    }

    /// Parses the `metadata` option: `k=v,k2=v2`, optional quotes, spaces around `=` and `,`
    /// stripped, the last duplicate wins.
    /// - Returns: the pairs, or nil with a reason.
    public static func parseMetadata(_ text: String) -> Result<[String: String], MetadataSyntaxError> {
        var result: [String: String] = [:]
        let unquoted = stripQuotes(text.trimmingSpaces)
        for item in unquoted.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.trimmingSpaces
            if pair.isEmpty { continue }
            guard let equals = pair.firstIndex(of: "=") else {
                return .failure(MetadataSyntaxError(pair: pair, reason: "expected key=value"))
            }
            let key = stripQuotes(pair[..<equals].trimmingSpaces)
            let value = stripQuotes(pair[pair.index(after: equals)...].trimmingSpaces)
            guard !key.isEmpty else { return .failure(MetadataSyntaxError(pair: pair, reason: "empty key")) }
            result[key] = value
        }
        return .success(result)
    }

    // MARK: Internals

    private struct Setter: Sendable {
        var name: String
        /// Applies the value; returns a problem description when it is invalid.
        var apply: @Sendable (inout FleetConfiguration, String) -> String?
    }

    private static func string(_ name: String, _ path: any WritableKeyPath<FleetConfiguration, String> & Sendable) -> Setter {
        Setter(name: name) { configuration, value in
            configuration[keyPath: path] = value
            return nil
        }
    }

    private static func bool(_ name: String, _ path: any WritableKeyPath<FleetConfiguration, Bool> & Sendable) -> Setter {
        Setter(name: name) { configuration, value in
            guard let parsed = GoValues.bool(value) else { return "expected true or false" }
            configuration[keyPath: path] = parsed
            return nil
        }
    }

    private static func int(_ name: String, _ path: any WritableKeyPath<FleetConfiguration, Int> & Sendable, minimum: Int) -> Setter {
        Setter(name: name) { configuration, value in
            guard let parsed = Int(value), parsed >= minimum else { return "expected an integer ≥ \(minimum)" }
            configuration[keyPath: path] = parsed
            return nil
        }
    }

    /// A duration given in (possibly fractional) seconds, as `etcd_request_timeout=1.0`.
    private static func seconds(_ name: String, _ path: any WritableKeyPath<FleetConfiguration, Duration> & Sendable) -> Setter {
        Setter(name: name) { configuration, value in
            guard let parsed = Double(value), parsed > 0, parsed.isFinite else { return "expected a positive number of seconds" }
            configuration[keyPath: path] = .nanoseconds(Int64(parsed * 1e9))
            return nil
        }
    }

    private static let setters: [Setter] = [
        int("verbosity", \.verbosity, minimum: 0),
        Setter(name: "etcd_servers") { configuration, value in
            let servers = value.split(separator: ",").map(\.trimmingSpaces).filter { !$0.isEmpty }
            guard !servers.isEmpty else { return "expected a comma-separated list of URLs" }
            for server in servers where !(server.hasPrefix("http://") || server.hasPrefix("https://")) {
                return "\(server) is not an http:// or https:// URL"
            }
            configuration.etcdServers = servers
            return nil
        },
        seconds("etcd_request_timeout", \.etcdRequestTimeout),
        string("etcd_cafile", \.etcdCAFile),
        string("etcd_keyfile", \.etcdKeyFile),
        string("etcd_certfile", \.etcdCertFile),
        string("etcd_username", \.etcdUsername),
        string("etcd_password", \.etcdPassword),
        Setter(name: "etcd_key_prefix") { configuration, value in
            guard value.hasPrefix("/") else { return "expected a key prefix starting with /" }
            configuration.etcdKeyPrefix = value.hasSuffix("/") ? value : value + "/"
            return nil
        },
        string("public_ip", \.publicIP),
        Setter(name: "metadata") { configuration, value in
            switch parseMetadata(value) {
            case .success(let metadata):
                configuration.metadata = metadata
                return nil
            case .failure(let error):
                return error.description
            }
        },
        Setter(name: "agent_ttl") { configuration, value in
            guard let ttl = GoValues.duration(value), ttl >= .seconds(1) else {
                return "expected a duration of at least 1s, like \"30s\""
            }
            configuration.agentTTL = ttl
            return nil
        },
        seconds("engine_reconcile_interval", \.engineReconcileInterval),
        int("token_limit", \.tokenLimit, minimum: 1),
        bool("disable_engine", \.disableEngine),
        bool("disable_watches", \.disableWatches),
        Setter(name: "units_directory") { configuration, value in
            guard value.hasPrefix("/") else { return "expected an absolute path" }
            configuration.unitsDirectory = value
            return nil
        },
        bool("systemd_user", \.systemdUser),
        bool("fence_on_disconnect", \.fenceOnDisconnect),
        string("api_cafile", \.apiCAFile),
        string("api_certfile", \.apiCertFile),
        string("api_keyfile", \.apiKeyFile),
        Setter(name: "unit_manager") { configuration, value in
            guard let kind = UnitManagerKind(rawValue: value) else { return "expected systemd or memory" }
            configuration.unitManager = kind
            return nil
        },
        Setter(name: "api_socket") { configuration, value in
            guard value.hasPrefix("/") else { return "expected an absolute path" }
            configuration.apiSocket = value
            return nil
        },
        Setter(name: "machine_id") { configuration, value in
            let hex = value.lowercased()
            guard hex.count == 32, hex.allSatisfy(\.isHexDigit) else { return "expected 32 hexadecimal digits" }
            configuration.machineID = hex
            return nil
        },
    ]

    /// Reads `key = value` lines; `#` and `;` start comments; values may be double-quoted.
    static func parseFile(_ contents: String) throws(ConfigurationError) -> [(name: String, value: String, line: Int)] {
        var entries: [(name: String, value: String, line: Int)] = []
        for (index, rawLine) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") { continue }  // sections carry no meaning here
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(option: line, source: "fleet.conf line \(index + 1)", value: "",
                                         problem: "expected name = value")
            }
            let name = line[..<equals].trimmingSpaces
            let value = stripQuotes(line[line.index(after: equals)...].trimmingSpaces)
            entries.append((name, value, index + 1))
        }
        return entries
    }

    private static func stripQuotes(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" else { return text }
        return String(text.dropFirst().dropLast())
    }
}

/// A configuration value that cannot be used.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var option: String
    /// Where the value came from (`fleet.conf line 3`, `environment variable FLEET_AGENT_TTL`).
    public var source: String
    public var value: String
    public var problem: String

    public var description: String {
        value.isEmpty
            ? "invalid configuration (\(source)): \(option): \(problem)"
            : "invalid value \"\(value)\" for \(option) (\(source)): \(problem)"
    }
}

/// A `metadata` value that is not a list of `key=value` pairs.
public struct MetadataSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var pair: String
    public var reason: String
    public var description: String { "\"\(pair)\": \(reason)" }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
