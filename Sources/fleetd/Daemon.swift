import Foundation
import EtcdClient
import FleetCore
import FleetServer
import FleetSystemd
import Logging
import ServiceLifecycle
import SystemdBridge
import UnixSignals

/// A setting fleetd cannot run with, found while wiring.
struct DaemonError: Error, CustomStringConvertible {
    var description: String
}

/// fleetd: machine presence, engine, agent and the API server, under one service group.
/// SIGTERM/SIGINT shut down gracefully (stop accepting, engine resigns); SIGHUP reloads the
/// configuration.
///
/// The machine's lease outlives a restart: its ID is kept in `lease` beside the units
/// directory (`/run/fleet/lease`), and the next fleetd registers under it again while etcd
/// still holds it, so a restart (or a crash and `Restart=always`) moves no unit and units keep
/// running. A stop that is not part of a restart unloads this machine's units (as the
/// original fleet did on shutdown), then revokes the lease: the cluster reschedules at once.
struct Daemon {
    let source: ConfigurationSource
    let configuration: FleetConfiguration
    let logger: Logger

    init(source: ConfigurationSource, loaded: FleetConfiguration, logger: Logger) {
        self.source = source
        self.configuration = loaded
        self.logger = logger
    }

    func run() async throws {
        let config = configuration
        let machineID: String
        if config.machineID.isEmpty {
            do {
                machineID = try MachineIdentity.machineID()
            } catch {
                throw DaemonError(description: "cannot read the machine ID (/etc/machine-id): \(error)")
            }
        } else {
            machineID = config.machineID
        }
        let machine = MachineState(id: machineID, publicIP: Self.publicIP(config, logger), metadata: config.metadata)
        let serverConfiguration = try Self.serverConfiguration(config, logger)

        let client: EtcdClient
        do {
            client = try EtcdClient(configuration: Self.etcdConfiguration(config))
        } catch {
            throw DaemonError(description: "etcd client: \(error)")
        }
        do {
            try await run(config, machine, serverConfiguration, client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
        logger.info("fleetd stopped")
    }

    private func run(
        _ config: FleetConfiguration, _ machine: MachineState, _ serverConfiguration: APIServerConfiguration,
        _ client: EtcdClient
    ) async throws {
        let machineID = machine.id
        let store = MeteredKeyValueStore(EtcdKeyValueStore(client: client))
        let registry = Registry(store: store, keys: RegistryKeyspace(prefix: config.etcdKeyPrefix),
                                logger: Logger(label: "fleet.registry"))
        let units: any UnitManager
        var systemd: SystemdUnitManager?
        switch config.unitManager {
        case .memory:
            units = InMemoryUnitManager()
        case .systemd:
            let manager = SystemdUnitManager(directory: UnitFileDirectory(path: config.unitsDirectory),
                                             address: config.systemdUser ? .userBus : .automatic)
            systemd = manager
            units = manager
        }

        let ownSystemd = systemd
        let leaseFile = LeaseFile(unitsDirectory: config.unitsDirectory)
        let presence = MachinePresence(registry: registry, machine: machine, ttl: config.agentTTL,
                                       logger: Logger(label: "fleet.presence"), resumeLease: leaseFile.read(machineID: machineID))
        let leaseSource: @Sendable () async -> Int64? = { await presence.currentLease() }
        let engine: Engine? = config.disableEngine ? nil : Engine(
            registry: registry, machineID: machineID,
            mode: config.disableWatches
                ? .poll(interval: config.engineReconcileInterval)
                : .watch(resyncInterval: config.engineReconcileInterval * 30),
            logger: Logger(label: "fleet.engine"), leaseSource: leaseSource)
        let agent = Agent(registry: registry, machineID: machineID, metadata: config.metadata, units: units,
                          logger: Logger(label: "fleet.agent"), leaseSource: leaseSource)

        let api = APIHandler(registry: registry, tokenLimit: config.tokenLimit)
        let statusReader: any UnitStatusReader = config.unitManager == .memory
            ? InMemoryStatusReader(machineID: machineID) : SystemctlStatusReader(user: config.systemdUser)
        // Forwarded requests present this fleetd's API certificate, so another fleetd whose
        // TCP listener requires client certificates (api_cafile) lets them in.
        let peerTLS = HTTPAPITransport.TLSFiles(
            caFile: config.apiCAFile.isEmpty ? nil : config.apiCAFile,
            certFile: config.apiCertFile.isEmpty ? nil : config.apiCertFile,
            keyFile: config.apiKeyFile.isEmpty ? nil : config.apiKeyFile)
        let unitStatus = UnitStatusHandler(registry: registry, machineID: machineID, reader: statusReader,
                                           forward: UnitStatusHandler.httpForward(tls: peerTLS))
        let journalReader: any UnitJournalReader = config.unitManager == .memory
            ? InMemoryJournalReader(machineID: machineID) : SystemdJournalReader()
        let unitJournal = UnitJournalHandler(registry: registry, machineID: machineID, reader: journalReader,
                                             forward: UnitJournalHandler.httpForward(tls: peerTLS))
        let handler: @Sendable (APIRequest) async -> APIResponse = { request in
            if let answer = await unitStatus.handle(request) { return answer }
            guard request.path == "/metrics" else { return await api.handle(request) }
            guard request.method == "GET" || request.method == "HEAD" else { return .error(405, "method not allowed") }
            let sample = Metrics.Sample(engine: await engine?.metrics, agent: await agent.metrics,
                                        registry: store.snapshot, registered: await presence.currentLease() != nil)
            return APIResponse(status: 200, contentType: Metrics.contentType, body: Array(Metrics.format(sample).utf8))
        }
        let server = APIServer(configuration: serverConfiguration, handler: handler,
                               streamingHandler: unitJournal.streamingHandler, logger: Logger(label: "fleet.api"))
        try await server.start()  // logs its listeners
        // Other fleetds forward status requests for this machine's units to its TCP listener.
        if let apiURL = Self.advertisedAPIURL(publicIP: machine.publicIP, listeners: server.listeningDescriptions) {
            var advertised = await presence.currentMachine
            advertised.apiURL = apiURL
            try? await presence.update(machine: advertised)
            logger.info("advertising the API at \(apiURL)")
        }

        let reloader = Reloader(source: source, current: config, presence: presence, agent: agent,
                                apiListeners: server.listeningDescriptions, logger: logger)
        var services: [any Service] = [
            LoopService(description: "presence", body: { await presence.run() }, after: {
                let restarting = await Self.restartPending(ownSystemd, logger)
                // A stop for good: the units stop here before the lease goes, so they never
                // run here and on the machine the engine moves them to at the same time.
                if !restarting { await agent.purge() }
                await presence.shutdown(keepingLease: restarting)
                if !restarting { leaseFile.remove() }
            }),
        ]
        if let engine {
            // Campaigning needs the lease; without it the engine would back off for seconds.
            services.append(LoopService(description: "engine", body: {
                await presence.waitForLease()
                await engine.run()
            }))
        }
        if let systemd {
            // systemd's signals become the agent's state changes while this runs.
            services.append(LoopService(description: "systemd", body: { await systemd.run() }))
        }
        services += [
            LoopService(description: "agent", body: { await agent.run() }),
            PresenceWatcher(presence: presence, agent: agent, fenceOnDisconnect: config.fenceOnDisconnect,
                            leaseFile: leaseFile, logger: logger),
            server,
            SystemdLifecycle(watchdogInterval: try? SystemdNotify.watchdogInterval(), reload: { await reloader.reload() },
                             logger: logger),
        ]
        // Shutdown runs in reverse: STOPPING=1, stop accepting, agent, engine resigns, then
        // units unloaded and lease revoked (kept, units running, on a restart).
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "fleet.lifecycle")))
        _ = try? SystemdNotify.send([.ready, .status("serving the API; registering in the cluster")])
        try await group.run()
    }

    /// Whether systemd is restarting fleetd's own unit (a `restart` job is queued for it) as
    /// opposed to stopping it. Without systemd (or outside a service) the answer is no.
    static func restartPending(_ systemd: SystemdUnitManager?, _ logger: Logger) async -> Bool {
        guard let systemd, let unit = ownServiceUnit() else { return false }
        do {
            let job = try await systemd.pendingJobType(of: unit)
            logger.debug("own unit's pending job", metadata: ["unit": "\(unit)", "job": "\(job ?? "none")"])
            return job.map { $0.contains("restart") } ?? false
        } catch {
            logger.warning("cannot ask systemd whether fleetd is restarting; revoking the lease", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The systemd service fleetd runs as, from its cgroup (`0::/system.slice/fleet.service`).
    static func ownServiceUnit(cgroup: String? = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) -> String? {
        guard let cgroup else { return nil }
        for line in cgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            // cgroup v2 has hierarchy 0; v1 names the unit under its name=systemd hierarchy.
            guard parts[0] == "0" || parts[1] == "name=systemd" else { continue }
            if let unit = parts[2].split(separator: "/").last(where: { $0.hasSuffix(".service") }) { return String(unit) }
        }
        return nil
    }

    /// `http(s)://PUBLIC_IP:PORT` of the first TCP listener (`tcp:0.0.0.0:49153 (tls)`), nil
    /// without a public IP or a TCP listener.
    static func advertisedAPIURL(publicIP: String, listeners: [String]) -> String? {
        guard !publicIP.isEmpty else { return nil }
        for listener in listeners where listener.hasPrefix("tcp:") {
            let address = listener.dropFirst(4).split(separator: " ").first.map(String.init) ?? ""
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { continue }
            let host = publicIP.contains(":") ? "[\(publicIP)]" : publicIP
            return (listener.hasSuffix("(tls)") ? "https" : "http") + "://\(host):\(port)"
        }
        return nil
    }

    static func publicIP(_ config: FleetConfiguration, _ logger: Logger) -> String {
        guard config.publicIP.isEmpty else { return config.publicIP }
        guard let detected = NetworkInterfaces.defaultRouteIPv4() else {
            logger.warning("public_ip is unset and no default route with an IPv4 address was found; publishing none")
            return ""
        }
        logger.info("public_ip is unset; using the default route's address \(detected)")
        return detected
    }

    static func etcdConfiguration(_ config: FleetConfiguration) -> EtcdClientConfiguration {
        var etcd = EtcdClientConfiguration(endpoints: config.etcdServers)
        etcd.requestTimeout = config.etcdRequestTimeout
        func given(_ path: String) -> String? { path.isEmpty ? nil : path }
        if !(config.etcdCAFile + config.etcdCertFile + config.etcdKeyFile).isEmpty {
            etcd.tls = .init(caFile: given(config.etcdCAFile), certFile: given(config.etcdCertFile),
                             keyFile: given(config.etcdKeyFile))
        }
        if !config.etcdUsername.isEmpty {
            etcd.credentials = .init(username: config.etcdUsername, password: config.etcdPassword)
        }
        return etcd
    }

    static func serverConfiguration(_ config: FleetConfiguration, _ logger: Logger) throws -> APIServerConfiguration {
        let inherited: [Int32]
        do {
            inherited = try SystemdNotify.listenDescriptors().map(\.fd)
        } catch {
            throw DaemonError(description: "socket activation: \(error)")
        }
        if config.apiCertFile.isEmpty != config.apiKeyFile.isEmpty {
            throw DaemonError(description: "api_certfile and api_keyfile must be given together")
        }
        let tls = config.apiCertFile.isEmpty ? nil : APIServerConfiguration.TLSFiles(
            certFile: config.apiCertFile, keyFile: config.apiKeyFile,
            caFile: config.apiCAFile.isEmpty ? nil : config.apiCAFile)
        // With socket activation systemd owns the default socket (fleet.socket); binding it
        // again would replace systemd's. An explicitly different api_socket is still bound.
        let ownSocket = inherited.isEmpty || config.apiSocket != FleetConfiguration().apiSocket ? config.apiSocket : nil
        if !inherited.isEmpty { logger.info("using \(inherited.count) socket(s) passed by systemd") }
        return APIServerConfiguration(unixSocketPath: ownSocket, inheritedListeners: inherited, tls: tls)
    }
}

/// SIGHUP: reads the configuration again; metadata and public IP changes re-register the
/// machine (with the API URL it advertises on the new IP) and reach the agent without
/// restarting units. Other changes need a restart.
actor Reloader {
    let source: ConfigurationSource
    var current: FleetConfiguration
    let presence: MachinePresence
    let agent: Agent
    /// The API server's listeners, to advertise the API on a new public IP.
    let apiListeners: [String]
    let logger: Logger

    init(source: ConfigurationSource, current: FleetConfiguration, presence: MachinePresence, agent: Agent,
         apiListeners: [String], logger: Logger) {
        self.source = source
        self.current = current
        self.presence = presence
        self.agent = agent
        self.apiListeners = apiListeners
        self.logger = logger
    }

    func reload() async {
        logger.info("Reloading configuration from \(source.explicitFile ?? ConfigurationSource.defaultFile)")
        let loaded: ConfigurationSource.Loaded
        do {
            loaded = try source.load()
        } catch {
            logger.error("configuration not reloaded, keeping the running one: \(error)")
            return
        }
        for warning in loaded.warnings { logger.warning("\(warning)") }
        let next = loaded.configuration
        var unchanged = current
        unchanged.metadata = next.metadata
        unchanged.publicIP = next.publicIP
        if unchanged != next {
            logger.warning("only metadata and public_ip change on reload; restart fleetd for the other changes")
        }
        guard next.metadata != current.metadata || next.publicIP != current.publicIP else {
            logger.info("configuration reloaded; nothing to change")
            return
        }
        var machine = await presence.currentMachine
        machine.metadata = next.metadata
        machine.publicIP = Daemon.publicIP(next, logger)
        machine.apiURL = Daemon.advertisedAPIURL(publicIP: machine.publicIP, listeners: apiListeners) ?? ""
        do {
            try await presence.update(machine: machine)
        } catch {
            logger.warning("could not publish the new metadata now; it goes out with the next registration",
                           metadata: ["error": "\(error)"])
        }
        await agent.updateMetadata(next.metadata)
        current = unchanged
        logger.info("configuration reloaded", metadata: ["metadata": "\(machine.metadata)", "public_ip": "\(machine.publicIP)"])
    }
}
