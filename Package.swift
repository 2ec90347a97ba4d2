// swift-tools-version:6.1
import PackageDescription

/// HTTP/1.1 over SwiftNIO with TLS, shared by the test support (the etcd process), FleetCore's
/// API client and the etcd client's tests: one list, so the targets cannot drift apart.
let httpStack: [Target.Dependency] = [
    .product(name: "AsyncHTTPClient", package: "async-http-client"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
]

let package = Package(
    name: "fleet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fleetd", targets: ["fleetd"]),
        .executable(name: "fleetctl", targets: ["fleetctl"]),
        .library(name: "FleetCore", targets: ["FleetCore"]),
        .library(name: "EtcdClient", targets: ["EtcdClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C: libsystemd (sd-bus, sd-journal, sd-daemon, sd-id128). Only SystemdBridge imports it.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(name: "SystemdBridge", dependencies: ["CSystemd"]),
        // Where FleetCore's UnitManager meets SystemdBridge; used by fleetd.
        .target(name: "FleetSystemd", dependencies: ["FleetCore", "SystemdBridge"]),
        // Test support: a real etcd process for tests and benchmarks.
        .target(
            name: "FleetTesting",
            dependencies: [
                "FleetCore",
            ] + httpStack
        ),

        // etcd v3 client over etcd's JSON gateway (HTTP/1.1). No C, no systemd.
        .target(
            name: "EtcdClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["Proto/kv.proto", "Proto/rpc.proto", "Proto/gateway.proto"]
        ),

        // The domain: unit files, scheduling, registry, engine, agent. No C, no global state.
        .target(
            name: "FleetCore",
            dependencies: [
                "EtcdClient",
                .product(name: "Logging", package: "swift-log"),
                // fleetctl's API client: HTTP over unix sockets, TCP, TLS; fd-forward's socket proxy.
            ] + httpStack
        ),

        // fleetd's HTTP/1.1 server for API v1: unix socket, socket activation, TLS. No C.
        .target(
            name: "FleetServer",
            dependencies: [
                "FleetCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "fleetd",
            dependencies: [
                "FleetCore", "SystemdBridge", "FleetSystemd", "FleetServer", "EtcdClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "fleetctl",
            dependencies: [
                "FleetCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks print figures; they are never timed tests.
        .executableTarget(
            name: "fleet-bench",
            dependencies: [
                "FleetCore",
                "FleetTesting",
                "FleetServer",
                .product(name: "Logging", package: "swift-log"),
                "EtcdClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // Checks on real systemd, run inside an nspawn machine by Integration/run-systemd-tests.sh.
        .executableTarget(
            name: "fleet-systemd-check",
            dependencies: ["FleetCore", "SystemdBridge", "FleetSystemd", .product(name: "Logging", package: "swift-log")]
        ),

        .testTarget(
            name: "FleetCoreTests",
            dependencies: ["FleetCore", "FleetTesting", .product(name: "InMemoryLogging", package: "swift-log")]
        ),
        .testTarget(
            name: "EtcdClientTests",
            dependencies: [
                "EtcdClient",
                "FleetTesting",
            ] + httpStack
        ),
        .testTarget(
            name: "fleetctlTests",
            dependencies: [
                "fleetctl",
                "FleetCore",
                // A real API server on a unix socket for the --tunnel test.
                "FleetServer",
                .product(name: "Logging", package: "swift-log"),
                // A unix-socket server for the fd-forward test.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "FleetServerTests",
            dependencies: [
                "FleetServer",
                "FleetCore",
                "FleetTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "SystemdBridgeTests", dependencies: ["SystemdBridge"]),
        .testTarget(name: "FleetSystemdTests", dependencies: ["FleetCore", "FleetSystemd"]),
        // Spawns the built fleetd binaries against a real etcd.
        .testTarget(
            name: "FleetdTests",
            dependencies: [
                "FleetCore",
                "EtcdClient",
                "FleetTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
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
