import ArgumentParser
import FleetCore

/// `fleetctl`: the cluster's command-line client.
@main
struct Fleetctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleetctl",
        abstract: "fleetctl is a command-line interface to fleet, the cluster-wide CoreOS init system.",
        version: "fleetctl version \(FleetVersion.current)",
        subcommands: [Version.self]
    )
}

/// `fleetctl version`: prints the version.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version and exit")
    func run() {
        print("fleetctl version \(FleetVersion.current)")
    }
}
