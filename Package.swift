// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "fleet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fleetd", targets: ["fleetd"]),
        .executable(name: "fleetctl", targets: ["fleetctl"]),
        .library(name: "FleetCore", targets: ["FleetCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C: libsystemd (sd-bus, sd-journal, sd-daemon, sd-id128). Only SystemdBridge imports it.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(name: "SystemdBridge", dependencies: ["CSystemd"]),
        // Where FleetCore's UnitManager meets SystemdBridge; used by fleetd.
        .target(name: "FleetSystemd", dependencies: ["FleetCore", "SystemdBridge"]),
        // Fakes for tests and the simulator (FakeUnitManager).
        .target(name: "FleetTesting", dependencies: ["FleetCore"]),

        // The domain: unit files, scheduling, registry, engine, agent. No C, no global state.
        .target(name: "FleetCore"),

        .executableTarget(
            name: "fleetd",
            dependencies: ["FleetCore", "SystemdBridge", "FleetSystemd"]
        ),
        .executableTarget(
            name: "fleetctl",
            dependencies: [
                "FleetCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks print figures; they are never timed tests.
        .executableTarget(name: "fleet-bench", dependencies: ["FleetCore"]),

        // Checks on real systemd, run inside an nspawn machine by Integration/run-systemd-tests.sh.
        .executableTarget(name: "fleet-systemd-check", dependencies: ["FleetCore", "SystemdBridge", "FleetSystemd"]),

        .testTarget(name: "FleetCoreTests", dependencies: ["FleetCore"]),
        .testTarget(name: "SystemdBridgeTests", dependencies: ["SystemdBridge"]),
        .testTarget(name: "FleetTestingTests", dependencies: ["FleetCore", "FleetTesting"]),
        .testTarget(name: "FleetSystemdTests", dependencies: ["FleetCore", "FleetSystemd"]),
    ]
)

// Upcoming-feature flags on every Swift target (swift-log does the same).
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ])
    target.swiftSettings = settings
}
