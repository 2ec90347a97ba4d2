/// What `fleetd`'s command line asks for. Go flag syntax, as the original: one or two dashes,
/// `-name=value` or `-name value`, bare `-name` for booleans.
public enum FleetdCommandLine: Sendable, Equatable {
    /// `fleetd -version`, `--version` or `fleetd version`.
    case version
    /// `fleetd -h`, `-help`, `--help`.
    case help
    /// Run the daemon with an optional `-config` file and option flags.
    case run(configFile: String?, flags: [Flag])

    /// One option given on the command line.
    public struct Flag: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    static let booleanOptions: Set<String> = [
        "disable_engine", "disable_watches", "systemd_user", "fence_on_disconnect", "enable_grpc", "verify_units",
    ]

    /// Parses the arguments after the program name.
    /// - Throws: `FleetdUsageError` for an unknown flag, a missing value, or any positional
    ///   argument (fleetd takes none; the message suggests fleetctl).
    public static func parse(_ arguments: [String]) throws(FleetdUsageError) -> FleetdCommandLine {
        if arguments == ["version"] { return .version }
        var configFile: String?
        var flags: [Flag] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                throw FleetdUsageError(
                    "fleetd takes no arguments (got \"\(argument)\"); to control the cluster, use fleetctl")
            }
            if argument == "--" { break }
            var body = Substring(argument.dropFirst(argument.hasPrefix("--") ? 2 : 1))
            var value: String?
            if let equals = body.firstIndex(of: "=") {
                value = String(body[body.index(after: equals)...])
                body = body[..<equals]
            }
            let name = String(body)
            switch name {
            case "version":
                return .version
            case "h", "help":
                return .help
            case _ where booleanOptions.contains(name):
                flags.append(Flag(name: name, value: value ?? "true"))
            case "config", _ where FleetConfiguration.optionNames.contains(name):
                if value == nil {
                    guard index < arguments.count else { throw FleetdUsageError("flag needs an argument: -\(name)") }
                    value = arguments[index]
                    index += 1
                }
                if name == "config" { configFile = value } else { flags.append(Flag(name: name, value: value!)) }
            default:
                throw FleetdUsageError("flag provided but not defined: -\(name)")
            }
        }
        if index < arguments.count {
            throw FleetdUsageError("fleetd takes no arguments; to control the cluster, use fleetctl")
        }
        return .run(configFile: configFile, flags: flags)
    }

    /// The usage text for `fleetd -help`.
    public static var usage: String {
        var text = "Usage: fleetd [-config FILE] [-OPTION=VALUE ...]\n\n"
        text += "  -config FILE\tconfiguration file (default /etc/fleet/fleet.conf)\n"
        text += "  -version\tprint the version and exit\n"
        for name in FleetConfiguration.optionNames where !FleetConfiguration.hiddenOptions.contains(name) {
            text += "  -\(name)\n"
        }
        return text
    }
}

/// A command line fleetd cannot run with.
public struct FleetdUsageError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
