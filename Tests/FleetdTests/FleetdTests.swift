import EtcdClient
import FleetCore
import FleetTesting
import Foundation
import NIOHTTP1
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The built fleetd binary against a real etcd: leadership, scheduling through the API,
/// fail-over after `kill -9`, lease revocation on SIGTERM, configuration errors.
@Suite(.serialized) struct FleetdTests {
    static let unitBody = #"{"desiredState":"launched","options":[{"section":"Service","name":"ExecStart","value":"/bin/sleep 1000"}]}"#

    /// Runs `body` with a fresh etcd and a registry reading it; kills every fleetd it made.
    func withCluster(_ body: (EtcdProcess, Registry, inout [FleetdProcess]) async throws -> Void) async throws {
        try await EtcdProcess.with { etcd in
            let client = try EtcdClient(configuration: EtcdClientConfiguration(endpoints: [etcd.clientURL]))
            let registry = Registry(store: EtcdKeyValueStore(client: client))
            var daemons: [FleetdProcess] = []
            do {
                try await body(etcd, registry, &daemons)
            } catch {
                for daemon in daemons { print("fleetd \(daemon.machineID) log:\n\(daemon.log)") }
                for daemon in daemons { await daemon.destroy() }
                try? await client.shutdown()
                throw error
            }
            for daemon in daemons { await daemon.destroy() }
            try? await client.shutdown()
        }
    }

    func activeMachine(_ registry: Registry, _ unit: String) async throws -> String? {
        try await registry.states(unit: unit).states.first { $0.record.activeState == "active" }?.machineID
    }

    @Test func oneLeaderSchedulingThroughTheAPIAndFailOverAfterKill() async throws {
        try await withCluster { etcd, registry, daemons in
            let a = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-agent_ttl=2s"])
            daemons.append(a)
            let b = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-agent_ttl=2s"])
            daemons.append(b)
            let ids = Set([a.machineID, b.machineID])

            #expect(try await eventually { Set(try await registry.machines().map(\.id)) == ids })
            #expect(try await eventually { try await registry.leader() != nil })
            let leader = try #require(try await registry.leader()).machineID
            #expect(ids.contains(leader))
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await registry.leader()?.machineID == leader)  // exactly one, and it stays
            #expect(try await registry.machines().allSatisfy { $0.publicIP == "127.0.0.1" })

            // A unit PUT through one fleetd's API is placed and reported active.
            let created = try await a.request(.PUT, "/fleet/v1/units/hello.service", body: Self.unitBody)
            #expect(created.status == 201, "\(created.body)")
            #expect(try await eventually { try await activeMachine(registry, "hello.service") != nil })
            let listed = try await b.request(.GET, "/fleet/v1/units/hello.service")
            #expect(listed.status == 200)
            #expect(listed.body.contains("\"currentState\":\"launched\""))

            // /metrics on the same socket.
            let leaderProcess = leader == a.machineID ? a : b
            let survivor = leader == a.machineID ? b : a
            let metrics = try await leaderProcess.request(.GET, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("fleet_engine_task_count_total{type=\"assign\"} 1"))
            #expect(metrics.body.contains("fleet_machine_registered 1"))

            // kill -9 the leader: the other takes over within the TTL and a little.
            let killed = ContinuousClock.now
            leaderProcess.signal(SIGKILL)
            #expect(try await eventually(8) { try await registry.leader()?.machineID == survivor.machineID })
            let takeover = ContinuousClock.now - killed
            print("leader takeover after kill -9: \(takeover)")
            #expect(takeover < .seconds(6))
            // Scheduling goes on: the unit ends up active on the survivor, and a new one too.
            #expect(try await eventually(10) { try await activeMachine(registry, "hello.service") == survivor.machineID })
            let second = try await survivor.request(.PUT, "/fleet/v1/units/world.service", body: Self.unitBody)
            #expect(second.status == 201, "\(second.body)")
            #expect(try await eventually { try await activeMachine(registry, "world.service") == survivor.machineID })
        }
    }

    @Test func sigtermRevokesTheLeaseAtOnce() async throws {
        try await withCluster { etcd, registry, daemons in
            let daemon = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-agent_ttl=30s"])
            daemons.append(daemon)
            #expect(try await eventually { try await registry.machines().map(\.id) == [daemon.machineID] })
            #expect(try await eventually { try await registry.leader()?.machineID == daemon.machineID })
            let created = try await daemon.request(.PUT, "/fleet/v1/units/hello.service", body: Self.unitBody)
            #expect(created.status == 201)
            #expect(try await eventually { try await activeMachine(registry, "hello.service") == daemon.machineID })

            let stopped = ContinuousClock.now
            daemon.signal(SIGTERM)
            #expect(await daemon.waitExit() == 0, "\(daemon.log)")
            print("fleetd exit after SIGTERM: \(ContinuousClock.now - stopped)")
            // Gone well before the 30 s TTL: machine, its unit states and the leader key.
            #expect(try await registry.machines().isEmpty)
            #expect(try await registry.states(unit: "hello.service").states.isEmpty)
            #expect(try await registry.leader() == nil)
            #expect(ContinuousClock.now - stopped < .seconds(10))
            #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
            #expect(daemon.log.contains("<6>machine lease revoked"))  // journald priority prefix
        }
    }

    @Test func aFleetdStartedAfterACrashResumesTheLeaseSoNothingMoves() async throws {
        try await withCluster { etcd, registry, daemons in
            let first = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-agent_ttl=30s"])
            daemons.append(first)
            #expect(try await eventually { try await registry.machines().map(\.id) == [first.machineID] })
            let created = try await first.request(.PUT, "/fleet/v1/units/hello.service", body: Self.unitBody)
            #expect(created.status == 201)
            #expect(try await eventually { try await activeMachine(registry, "hello.service") == first.machineID })
            let machineKey = registry.keys.machine(first.machineID)
            let lease = try #require(try await registry.store.get(machineKey)?.lease)
            let leaseFile = first.directory.appendingPathComponent("lease").path
            #expect(try String(contentsOfFile: leaseFile, encoding: .utf8) == "\(first.machineID) \(String(lease, radix: 16))\n")

            first.signal(SIGKILL)
            _ = await first.waitExit()
            let second = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-agent_ttl=30s"], machineID: first.machineID,
                                           directory: first.directory)
            daemons.append(second)
            #expect(try await eventually { second.log.contains("resuming the lease a previous fleetd left") }, "\(second.log)")
            #expect(try await eventually { try await registry.machines().map(\.id) == [first.machineID] })
            // The same lease: the machine never left, its unit state was never deleted.
            #expect(try await registry.store.get(machineKey)?.lease == lease)
            #expect(try await activeMachine(registry, "hello.service") == first.machineID)

            // Another machine ID never takes a lease recorded for this one.
            second.signal(SIGKILL)
            _ = await second.waitExit()
            let stranger = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-agent_ttl=30s"], directory: first.directory)
            daemons.append(stranger)
            #expect(try await eventually { try await registry.store.get(registry.keys.machine(stranger.machineID)) != nil })
            #expect(try await registry.store.get(registry.keys.machine(stranger.machineID))?.lease != lease)
            #expect(!stranger.log.contains("resuming the lease"))
        }
    }

    @Test func fenceOnDisconnectStopsUnitsAndStartsThemAgainAfterwards() async throws {
        try await withCluster { etcd, registry, daemons in
            let daemon = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-agent_ttl=2s", "-fence_on_disconnect"])
            daemons.append(daemon)
            #expect(try await eventually { try await registry.leader()?.machineID == daemon.machineID })
            let created = try await daemon.request(.PUT, "/fleet/v1/units/hello.service", body: Self.unitBody)
            #expect(created.status == 201)
            #expect(try await eventually { try await activeMachine(registry, "hello.service") == daemon.machineID })

            await etcd.stop()
            #expect(try await eventually(10) { daemon.log.contains("fenced: stopped non-global units") })
            #expect(daemon.log.contains("units=hello.service"))
            try await etcd.restart()
            #expect(try await eventually(15) { daemon.log.contains("fence lifted") })
            #expect(try await eventually(10) { try await activeMachine(registry, "hello.service") == daemon.machineID },
                    "\(daemon.log)")
            #expect(daemon.process.isRunning)
        }
    }

    @Test func notifiesSystemdReadyWatchdogAndStopping() async throws {
        try await withCluster { etcd, registry, daemons in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleetd-notify-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let receiver = try NotifyReceiver(path: directory.appendingPathComponent("notify.sock").path)
            // WATCHDOG_USEC without WATCHDOG_PID applies to whichever process reads it.
            let daemon = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-agent_ttl=5s", "-verbosity=1"],
                                           environment: ["NOTIFY_SOCKET": receiver.path, "WATCHDOG_USEC": "400000"])
            daemons.append(daemon)
            #expect(try await eventually { receiver.assignments().contains("READY=1") })
            // The API answers once READY=1 was sent.
            #expect(try await daemon.request(.GET, "/fleet/v1/machines").status == 200)
            #expect(try await eventually { daemon.log.contains("<7>") }, "verbosity 1 logs debug lines")
            #expect(try await eventually { receiver.assignments().filter { $0 == "WATCHDOG=1" }.count >= 3 })
            #expect(try await eventually { receiver.assignments().contains("STATUS=registered in the cluster; serving") })
            #expect(!receiver.assignments().contains("STOPPING=1"))
            daemon.signal(SIGTERM)
            #expect(await daemon.waitExit() == 0)
            #expect(receiver.assignments().contains("STOPPING=1"))
            #expect(try await registry.machines().isEmpty)
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate")))
    func servesSocketsPassedBySocketActivationAndWaitsOutAnUnreachableEtcd() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleetd-activate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let activated = directory.appendingPathComponent("activated.sock").path
        // Nothing listens on port 1 of loopback: etcd is unreachable throughout.
        let daemon = try FleetdProcess(etcd: "http://127.0.0.1:1", activatedSocket: activated)
        #expect(try await eventually { FileManager.default.fileExists(atPath: activated) })
        let discovery = try await FleetdProcess.request(socketPath: activated, .GET, "/fleet/v1/discovery")
        #expect(discovery.status == 200)
        #expect(discovery.body.contains("discovery#restDescription"))
        #expect(daemon.log.contains("using 1 socket(s) passed by systemd"))
        // Its own socket is served too, and the API reports etcd's absence as an error.
        let own = try await daemon.request(.GET, "/fleet/v1/machines")
        #expect(own.status >= 500, "\(own.body)")
        try await Task.sleep(for: .seconds(1))
        #expect(daemon.process.isRunning)
        let warnings = daemon.log.components(separatedBy: "<4>etcd unreachable").count - 1
        #expect(warnings == 1, "one warning per outage:\n\(daemon.log)")
        let agentWarnings = daemon.log.components(separatedBy: "<4>registry unreachable").count - 1
        #expect(agentWarnings == 1, "one agent warning per outage:\n\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitExit() == 0, "\(daemon.log)")
        await daemon.destroy()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate")))
    func aTCPListenerIsAdvertisedAndStatusRequestsAreForwardedToIt() async throws {
        try await withCluster { etcd, registry, daemons in
            let (a, b) = try await forwardingPair(etcd, registry, &daemons, tlsArguments: [])

            try await pinUnit(on: a, through: b, registry)
            // Asked on b, answered by a (whose units live in memory, so its reader says why it has
            // no systemctl status): the answer travelled b → a.
            let viaB = try await b.request(.GET, "/fleet/v1/units/pinned.service/status")
            #expect(viaB.status == 500, "\(viaB.body)")
            #expect(viaB.body.contains("fleetd on \(a.machineID) runs units in memory"), "\(viaB.body)")
            #expect(viaB.body.contains("pinned.service"))
            let missing = try await b.request(.GET, "/fleet/v1/units/nope.service/status")
            #expect(missing.status == 404)
            // The journal takes the same way, streamed.
            let journal = try await b.request(.GET, "/fleet/v1/units/pinned.service/journal?lines=5&follow=true")
            #expect(journal.status == 500, "\(journal.body)")
            #expect(journal.body.contains("fleetd on \(a.machineID) runs units in memory (unit_manager=memory); there is no journal of pinned.service"))
            let badLines = try await b.request(.GET, "/fleet/v1/units/pinned.service/journal?lines=many")
            #expect(badLines.status == 400)
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate")))
    func sighupWithANewPublicIPAdvertisesTheAPIThere() async throws {
        try await withCluster { etcd, registry, daemons in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleetd-conf-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("fleet.conf")
            try "public_ip=127.0.0.1\n".write(to: file, atomically: true, encoding: .utf8)
            let port = try await EtcdProcess.freePorts(1)[0]
            let daemon = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-config", file.path],
                                           activatedSocket: "127.0.0.1:\(port)", publicIP: nil)
            daemons.append(daemon)
            #expect(try await eventually { (try? await FleetdProcess.request(url: "http://127.0.0.1:\(port)", .GET, "/fleet/v1/discovery"))?.status == 200 })
            #expect(try await eventually { try await registry.machines().first?.apiURL == "http://127.0.0.1:\(port)" })
            try "public_ip=127.0.0.2\n".write(to: file, atomically: true, encoding: .utf8)
            daemon.signal(SIGHUP)
            #expect(try await eventually {
                let machine = try await registry.machines().first
                return machine?.publicIP == "127.0.0.2" && machine?.apiURL == "http://127.0.0.2:\(port)"
            })
        }
    }

    /// fleetd a with a TCP listener by socket activation (TLS with `tlsArguments`), b with only
    /// its unix socket; returns once a advertises the listener.
    func forwardingPair(_ etcd: EtcdProcess, _ registry: Registry, _ daemons: inout [FleetdProcess],
                        tlsArguments: [String]) async throws -> (a: FleetdProcess, b: FleetdProcess) {
        let port = try await EtcdProcess.freePorts(1)[0]
        let a = try FleetdProcess(etcd: etcd.clientURL, arguments: tlsArguments, activatedSocket: "127.0.0.1:\(port)")
        daemons.append(a)
        let b = try FleetdProcess(etcd: etcd.clientURL, arguments: tlsArguments)
        daemons.append(b)
        // systemd-socket-activate starts fleetd on the first connection.
        #expect(try await eventually { Self.connects(port: port) })
        let scheme = tlsArguments.isEmpty ? "http" : "https"
        #expect(try await eventually {
            let machines = try await registry.machines()
            return machines.first { $0.id == a.machineID }?.apiURL == "\(scheme)://127.0.0.1:\(port)"
                && machines.first { $0.id == b.machineID }?.apiURL == ""
        })
        return (a, b)
    }

    /// Creates pinned.service through b's API with `MachineID=` a; returns once it runs on a.
    func pinUnit(on a: FleetdProcess, through b: FleetdProcess, _ registry: Registry) async throws {
        let pinned = #"{"desiredState":"launched","options":[{"section":"Service","name":"ExecStart","value":"/bin/sleep 1000"},"#
            + #"{"section":"X-Fleet","name":"MachineID","value":"\#(a.machineID)"}]}"#
        #expect(try await b.request(.PUT, "/fleet/v1/units/pinned.service", body: pinned).status == 201)
        #expect(try await eventually { try await activeMachine(registry, "pinned.service") == a.machineID })
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted.
    static func connects(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate")))
    func forwardingReachesATLSListenerThatRequiresClientCertificates() async throws {
        let directory = "/tmp/fleetd-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificates = try await TestCertificates(directory: directory)
        try await withCluster { etcd, registry, daemons in
            let tls = ["-api_certfile=\(certificates.peerCert)", "-api_keyfile=\(certificates.peerKey)", "-api_cafile=\(certificates.caFile)"]
            let (a, b) = try await forwardingPair(etcd, registry, &daemons, tlsArguments: tls)
            try await pinUnit(on: a, through: b, registry)
            // b presented its certificate to a's listener: a answered (its units live in memory).
            let viaB = try await b.request(.GET, "/fleet/v1/units/pinned.service/status")
            #expect(viaB.status == 500, "\(viaB.body)")
            #expect(viaB.body.contains("fleetd on \(a.machineID) runs units in memory"), "\(viaB.body)")
        }
    }

    @Test func configurationErrorsExitNonZeroWithAClearMessage() async throws {
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (["-agent_ttl=banana"], 1, "agent_ttl"),
            (["-config=/nonexistent/fleet.conf"], 1, "unable to use config file /nonexistent/fleet.conf"),
            (["-etcd_servers=ftp://x"], 1, "etcd_servers"),
            (["-machine_id=xyz"], 1, "machine_id"),
            (["-no_such_flag=1"], 2, "flag provided but not defined: -no_such_flag"),
            (["extra"], 2, "fleetd takes no arguments"),
            (["-api_certfile=/nonexistent/cert.pem"], 1, "api_certfile and api_keyfile must be given together"),
            (["-api_socket=/proc/fleet/fleet.sock"], 1, "/proc/fleet/fleet.sock"),  // cannot be bound
        ]
        for example in cases {
            // machine_id before the case's own arguments, so a bad one in the case wins.
            let daemon = try FleetdProcess(etcd: "http://127.0.0.1:1", arguments: example.arguments)
            let status = await daemon.waitExit()
            #expect(status == example.status, "\(example.arguments): \(daemon.log)")
            #expect(daemon.log.contains(example.message), "\(example.arguments): \(daemon.log)")
            await daemon.destroy()
        }
        // From the environment too, naming the variable.
        do {
            let daemon = try FleetdProcess(etcd: "http://127.0.0.1:1", environment: ["FLEET_TOKEN_LIMIT": "zero"])
            #expect(await daemon.waitExit() == 1, "\(daemon.log)")
            #expect(daemon.log.contains("environment variable FLEET_TOKEN_LIMIT"), "\(daemon.log)")
            await daemon.destroy()
        }
    }

    @Test func aConfigFileIsReadAndSIGHUPReloadsMetadata() async throws {
        try await withCluster { etcd, registry, daemons in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleetd-conf-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("fleet.conf")
            try "metadata=\"region=east,disk=ssd\"\nagent_ttl=5s\n".write(to: file, atomically: true, encoding: .utf8)
            let daemon = try FleetdProcess(etcd: etcd.clientURL, arguments: ["-config", file.path, "-disable_engine"])
            daemons.append(daemon)
            #expect(try await eventually { try await registry.machines().first?.metadata == ["region": "east", "disk": "ssd"] })
            // SIGHUP after editing the file: new metadata, same registration, no restart.
            try "metadata=\"region=west\"\nagent_ttl=5s\n".write(to: file, atomically: true, encoding: .utf8)
            daemon.signal(SIGHUP)
            #expect(try await eventually { try await registry.machines().first?.metadata == ["region": "west"] })
            #expect(daemon.process.isRunning)
            #expect(try await registry.leader() == nil)  // disable_engine
            // A broken file on SIGHUP keeps the running configuration.
            try "metadata=\"region\"\n".write(to: file, atomically: true, encoding: .utf8)
            daemon.signal(SIGHUP)
            #expect(try await eventually { daemon.log.contains("<3>configuration not reloaded, keeping the running one") })
            #expect(daemon.process.isRunning)
            #expect(try await registry.machines().first?.metadata == ["region": "west"])
            #expect(!daemon.log.contains("<7>"))  // verbosity 0: no debug lines
        }
    }
}
