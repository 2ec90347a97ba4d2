import Foundation
/// fleetctl's global flags (SPEC §3), parsed as the original's Go flag set did: before the
/// command name, `-x` or `--x`, `--x=v` or `--x v`; booleans take `--x` or `--x=false`.
/// A flag not given on the command line comes from `FLEETCTL_<NAME>` when that is set.
struct GlobalOptions: Sendable, Equatable {
    var endpoint = "unix:///var/run/fleet.sock"
    var driver = "API"
    var etcdKeyPrefix = "/_coreos.com/fleet/"
    var keyFile = ""
    var certFile = ""
    var caFile = ""
    var requestTimeout = 3.0
    var debug = false
    var help = false
    var version = false
    var tunnel = ""
    var sshUsername = "core"
    var sshTimeout = 10.0
    var knownHostsFile = "~/.fleetctl/known_hosts"
    var strictHostKeyChecking = true
    var experimentalAPI = true

    /// One global flag: its name, usage text, and how it reads and writes the options.
    struct Flag: Sendable {
        enum Kind: Sendable { case bool, string, float }
        let name: String
        let kind: Kind
        let usage: String
        let hidden: Bool
        let get: @Sendable (GlobalOptions) -> String
        let set: @Sendable (inout GlobalOptions, String) throws(FleetctlError) -> Void
    }

    /// Every global flag, sorted by name (the order help lists them in).
    static let flags: [Flag] = [
        .string("ca-file", "Location of TLS CA file used to secure communication with the fleet API or etcd", \.caFile),
        .string("cert-file", "Location of TLS cert file used to secure communication with the fleet API or etcd", \.certFile),
        .bool("debug", "Print out more debug information to stderr", \.debug),
        .string("driver", "Adapter used to execute fleetctl commands. Options include \"API\" and \"etcd\".", \.driver),
        .string("endpoint", "Location of the fleet API if --driver=API. Alternatively, if --driver=etcd, location of the etcd API.", \.endpoint),
        .string("etcd-cafile", "", \.caFile, hidden: true),
        .string("etcd-certfile", "", \.certFile, hidden: true),
        .string("etcd-key-prefix", "Keyspace for fleet data in etcd (development use only!)", \.etcdKeyPrefix),
        .string("etcd-keyfile", "", \.keyFile, hidden: true),
        .bool("experimental-api", "", \.experimentalAPI, hidden: true),
        .bool("help", "Print usage information and exit", \.help),
        .bool("h", "Print usage information and exit", \.help, hidden: true),
        .string("key-file", "Location of TLS key file used to secure communication with the fleet API or etcd", \.keyFile),
        .string("known-hosts-file", "File used to store remote machine fingerprints. Ignored if strict host key checking is disabled.", \.knownHostsFile),
        .float("request-timeout", "Amount of time in seconds to allow a single request before considering it failed.", \.requestTimeout),
        .string("ssh-username", "Username to use when connecting to CoreOS instance.", \.sshUsername),
        .float("ssh-timeout", "Amount of time in seconds to allow for SSH connection initialization before failing.", \.sshTimeout),
        .bool("strict-host-key-checking", "Verify host keys presented by remote machines before initiating SSH connections.", \.strictHostKeyChecking),
        .string("tunnel", "Establish an SSH tunnel through the provided address for communication with fleet and etcd.", \.tunnel),
        .bool("version", "Print the version and exit", \.version),
    ]

    /// Parses the global flags at the front of `arguments`.
    /// - Returns: the options and the remaining arguments (command name first).
    /// - Throws: `FleetctlError` with exit status 2 for an unknown flag or a bad value.
    static func parse(_ arguments: [String], environment: [String: String]) throws(FleetctlError) -> (GlobalOptions, [String]) {
        var options = GlobalOptions()
        var seen: Set<String> = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("-"), argument != "-" else { break }
            index += 1
            if argument == "--" { break }
            var body = argument.dropFirst(argument.hasPrefix("--") ? 2 : 1)
            var value: String?
            if let equals = body.firstIndex(of: "=") {
                value = String(body[body.index(after: equals)...])
                body = body[..<equals]
            }
            let name = String(body)
            guard let flag = flags.first(where: { $0.name == name }) else {
                throw FleetctlError(status: 2, "flag provided but not defined: -\(name)\nRun 'fleetctl help' for usage.")
            }
            if value == nil {
                if flag.kind == .bool {
                    value = "true"
                } else if index < arguments.count {
                    value = arguments[index]
                    index += 1
                } else {
                    throw FleetctlError(status: 2, "flag needs an argument: -\(name)\nRun 'fleetctl help' for usage.")
                }
            }
            try flag.set(&options, value!)
            seen.insert(flag.name)
            if flag.name == "h" { seen.insert("help") }
        }
        // Environment defaults, as the original's FLEETCTL_<NAME> (empty values ignored).
        for flag in flags where !flag.hidden && !seen.contains(flag.name) {
            let variable = "FLEETCTL_" + flag.name.uppercased().replacingOccurrences(of: "-", with: "_")
            guard let value = environment[variable], !value.isEmpty else { continue }
            do {
                try flag.set(&options, value)
            } catch {
                throw FleetctlError(status: 2, "invalid value of \(variable): \(error.message)")
            }
        }
        return (options, Array(arguments[index...]))
    }

    /// The endpoint fleetctl talks to: the first of a comma-separated list.
    var firstEndpoint: String {
        String(endpoint.split(separator: ",", omittingEmptySubsequences: false).first ?? "")
    }
}

extension GlobalOptions.Flag {
    static func string(_ name: String, _ usage: String, _ path: any WritableKeyPath<GlobalOptions, String> & Sendable, hidden: Bool = false) -> Self {
        Self(name: name, kind: .string, usage: usage, hidden: hidden,
             get: { $0[keyPath: path] }, set: { options, value in options[keyPath: path] = value })
    }

    static func bool(_ name: String, _ usage: String, _ path: any WritableKeyPath<GlobalOptions, Bool> & Sendable, hidden: Bool = false) -> Self {
        Self(name: name, kind: .bool, usage: usage, hidden: hidden, get: { String($0[keyPath: path]) }) { options, value throws(FleetctlError) in
            // Go's strconv.ParseBool.
            switch value {
            case "1", "t", "T", "true", "TRUE", "True": options[keyPath: path] = true
            case "0", "f", "F", "false", "FALSE", "False": options[keyPath: path] = false
            default: throw FleetctlError(status: 2, "invalid boolean value \"\(value)\" for -\(name)")
            }
        }
    }

    static func float(_ name: String, _ usage: String, _ path: any WritableKeyPath<GlobalOptions, Double> & Sendable, hidden: Bool = false) -> Self {
        Self(name: name, kind: .float, usage: usage, hidden: hidden, get: { GoFormat.float($0[keyPath: path]) }) { options, value throws(FleetctlError) in
            guard let number = Double(value), number.isFinite else {
                throw FleetctlError(status: 2, "invalid value \"\(value)\" for flag -\(name): parse error")
            }
            options[keyPath: path] = number
        }
    }
}

/// Numbers as Go's `%v` prints them (`3`, `2.5`).
enum GoFormat {
    static func float(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
