import EtcdClient
import FleetCore
import FleetTesting
import Foundation
import Logging
import Synchronization

/// `fleet-bench sim`: N simulated machines (real `Agent` + `InMemoryUnitManager`, each with its
/// own lease, watches and state publishing) and the real `Engine` (in a child process) against
/// a real etcd on loopback; M units of a realistic mix submitted at once. Prints figures
/// against the issue's targets and writes a JSON report with the time series.
enum Simulator {
    static func main(_ arguments: [String]) async {
        let options: SimulatorOptions
        do {
            options = try SimulatorOptions(arguments)
        } catch {
            print(error)
            exit(2)
        }
        do {
            switch options.mode {
            case .ours, .original:
                let report = try await run(options, original: options.mode == .original)
                let path = options.output ?? "sim-\(options.mode.rawValue).json"
                try report.write(to: path)
                print("  report: \(path)")
                if report.figures.contains(where: { $0.met == false }) { exit(3) }
            case .both:
                let base = options.output ?? "sim.json"
                let stem = base.hasSuffix(".json") ? String(base.dropLast(5)) : base
                let ours = try await run(options, original: false)
                try ours.write(to: stem + "-ours.json")
                var original = try await run(options, original: true)
                original.notes.append("memory per agent: the second run of --mode both reuses the first run's freed heap; run --mode original alone for it")
                try original.write(to: stem + "-original.json")
                printRatios(ours, original)
                print("  reports: \(stem)-ours.json \(stem)-original.json")
            }
        } catch {
            print("  simulation failed: \(error)")
            exit(1)
        }
    }

    // MARK: One run

    static func run(_ options: SimulatorOptions, original: Bool) async throws -> SimulationReport {
        let mode = original ? "original" : "ours"
        print("== sim (\(mode)): \(options.machines) machines × \(options.units) units, agent_ttl \(options.agentTTL) s, real etcd")
        fflush(nil)
        return try await EtcdProcess.with { etcd in
            try await Run(options: options, original: original, etcd: etcd).measure()
        }
    }

    static func printRatios(_ ours: SimulationReport, _ original: SimulationReport) {
        print("== ours vs original, \(ours.machines) machines × \(ours.units) units (original ÷ ours: how many times more the original costs)")
        for figure in ours.figures {
            guard let theirs = original.figure(figure.key) else { continue }
            let ratio = figure.value == 0 ? (theirs.value == 0 ? "—" : "∞") : SimulationReport.format(theirs.value / figure.value) + "×"
            print("  \(figure.label): ours \(SimulationReport.format(figure.value)) \(figure.unit), original \(SimulationReport.format(theirs.value)) \(theirs.unit), ratio \(ratio)")
        }
        fflush(nil)
    }
}

/// The state of one run: etcd, clients, engine child, machines, observer and sampler.
final class Run: @unchecked Sendable {
    let options: SimulatorOptions
    let original: Bool
    let etcd: EtcdProcess
    let workload: SimulatedWorkload
    let logger: Logger
    var report: SimulationReport
    var clients: [EtcdClient] = []
    var machines: [SimulatedMachine] = []
    var engine: EngineProcess?
    var start = ContinuousClock.now
    let samples = SampleBuffer()

    init(options: SimulatorOptions, original: Bool, etcd: EtcdProcess) {
        self.options = options
        self.original = original
        self.etcd = etcd
        workload = SimulatedWorkload(machines: options.machines, units: options.units)
        var quiet = Logger(label: "fleet-bench.sim")
        quiet.logLevel = .critical
        logger = quiet
        let watches = original ? 1 : 3
        report = SimulationReport(
            mode: original ? "original" : "ours", machines: options.machines, units: options.units,
            unitMix: Dictionary(uniqueKeysWithValues: workload.counts.map { ($0.key.rawValue, $0.value) }),
            agentTTL: options.agentTTL,
            shared: "one EtcdClient (HTTP/1.1 connection pool on NIO's 2-thread event loop group) per \(options.agentsPerClient) agents; "
                + "each agent has its own lease, machine record, \(watches) watch stream(s) (one connection each) and InMemoryUnitManager; "
                + "the engine runs alone in a child process with its own client and lease")
    }

    var metricsURL: String { etcd.clientURL + "/metrics" }
    var seconds: Double { Self.seconds(ContinuousClock.now - start) }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func client(connections: Int, timeout: Duration) throws -> EtcdClient {
        var configuration = EtcdClientConfiguration(endpoints: [etcd.clientURL])
        configuration.maxConnectionsPerEndpoint = connections
        configuration.requestTimeout = timeout
        let client = try EtcdClient(configuration: configuration)
        clients.append(client)
        return client
    }

    func measure() async throws -> SimulationReport {
        do {
            try await phases()
        } catch {
            await tearDown()
            throw error
        }
        await tearDown()
        return report
    }

    private func tearDown() async {
        for machine in machines { machine.kill() }
        engine?.stop()
        for client in clients { try? await client.shutdown() }
        clients = []
    }

    // MARK: Phases

    private func phases() async throws {
        let o = options
        let control = Registry(store: EtcdKeyValueStore(client: try client(connections: 64, timeout: .seconds(30))), logger: logger)
        let keys = control.keys
        let rssBefore = ProcessStats.status("VmRSS")

        // The engine, alone in its process.
        let engine = try EngineProcess(etcd: etcd.clientURL, poll: original ? o.reconcileInterval : nil, ttl: o.agentTTL)
        self.engine = engine
        try await until("the engine leads", timeout: 30) { try await control.store.get(keys.leader) != nil }

        // The machines, started 100 at a time (a cluster boots over a while, not in one instant).
        let registerStart = ContinuousClock.now
        let perClient = o.agentsPerClient
        var registry = control
        for (i, machine) in workload.machines.enumerated() {
            if i % perClient == 0 {
                let connections = perClient * ((original ? 1 : 3) + 2) + 16
                registry = Registry(store: EtcdKeyValueStore(client: try client(connections: connections, timeout: .seconds(1))),
                                    logger: logger)
            }
            machines.append(SimulatedMachine(machine: machine, registry: registry, original: original,
                                             ttl: .seconds(o.agentTTL), logger: logger))
            if i % 100 == 99 { try await Task.sleep(for: .milliseconds(100)) }
        }
        try await until("all machines registered", timeout: o.phaseTimeout) {
            try await control.store.list(prefix: keys.machines).pairs.count == o.machines
        }
        let registered = Run.seconds(ContinuousClock.now - registerStart)
        try await Task.sleep(for: .seconds(2))  // the agents' first reads
        let rssIdle = ProcessStats.status("VmRSS")
        print("  \(o.machines) machines registered in \(SimulationReport.format(registered)) s; \(report.shared)")

        let observer = StateObserver(registry: control)
        try await observer.start()
        let nonGlobal = Set(workload.units.filter { !$0.record.global }.map(\.record.name))
        let globals = workload.units.filter { $0.record.global }.map(\.record.name)
        let placed = nonGlobal.count + globals.count * o.machines

        // Submit everything; follow "units active" over time.
        let before = try await EtcdCounters.read(metricsURL)
        let wakeBefore = await wakeCounters()
        let engineCPUBefore = engine.cpuSeconds()
        let selfCPUBefore = ProcessStats.cpuSeconds()
        start = ContinuousClock.now
        let sampler = startSampler(observer: observer, nonGlobal: nonGlobal, globals: Set(globals))
        defer { sampler.cancel() }
        mark("submit")
        try await inParallel(workload.units.count, width: 32) { [workload] i in
            _ = try await retrying { try await control.createUnit(workload.units[i].record, desiredState: .launched) }
        }
        let submitted = seconds
        mark("submitted")
        let converged = try await waitFor(timeout: o.phaseTimeout) {
            let active = await observer.activeCount(of: nonGlobal)
            var globalsActive = 0
            for unit in globals { globalsActive += await observer.machinesActive(unit) }
            return active == nonGlobal.count && globalsActive == globals.count * o.machines
        }
        let convergeTime = seconds
        mark(converged ? "converged" : "gave up")
        let after = try await EtcdCounters.read(metricsURL)
        let wakeAfter = await wakeCounters()
        let engineCPU = engine.cpuSeconds() - engineCPUBefore
        let selfCPU = ProcessStats.cpuSeconds() - selfCPUBefore
        let rssConverged = ProcessStats.status("VmRSS")
        let activeReached = await observer.activeCount(of: nonGlobal)

        print("  -- submit \(workload.units.count) units (\(report.unitMix.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))) in \(SimulationReport.format(submitted)) s")
        report.record("converge", "submit → all reported active (\(o.machines) × \(o.units))", convergeTime, "s",
                      target: "≤ 30 s at 1,000 × 10,000", met: converged && (o.machines < 1_000 || o.units < 10_000 || convergeTime <= 30))
        if !converged {
            report.notes.append("did not converge within \(o.phaseTimeout) s: \(activeReached) of \(nonGlobal.count) non-global units active")
            print("  NOT converged: \(activeReached) of \(nonGlobal.count) non-global units active")
        }
        let delta = after.minus(before)
        let submissionPuts = Double(2 * workload.units.count + globals.count)
        let placementPuts = delta.puts - submissionPuts
        report.record("putsPerUnit", "etcd keys written per placed unit after submission (schedule + state reports; placements = \(placed), globals once per machine)",
                      placementPuts / Double(placed), "puts", target: "≤ 3", met: placementPuts / Double(placed) <= 3)
        report.record("putsPerUnitAll", "etcd keys written per submitted unit, everything (API's 2 keys, schedule, states)",
                      delta.puts / Double(workload.units.count), "puts")
        report.record("writeRequestsPerUnit", "etcd write requests (Put+Txn+DeleteRange+Lease grant/revoke) per submitted unit",
                      delta.writeRequests / Double(workload.units.count), "requests")
        report.record("requestsPerUnit", "etcd requests of all kinds per submitted unit (incl. keepalives during the phase)",
                      delta.requests / Double(workload.units.count), "requests")
        report.record("rangesPerUnit", "etcd range reads per submitted unit", delta.ranges / Double(workload.units.count), "ranges")
        print("    etcd calls during placement: \(delta.calls.sorted { $0.key < $1.key }.map { "\($0.key) \(Int($0.value))" }.joined(separator: ", "))")
        let wake = wakeAfter - wakeBefore
        report.record("bulkWakeUps", "agent wake-ups (watch deliveries) during the bulk placement", Double(wake.wakeUps), "deliveries")
        report.record("bulkIdleWakeUps", "of which with nothing to do for that agent", Double(wake.idleWakeUps), "deliveries",
                      target: "0", met: original ? nil : wake.idleWakeUps == 0)
        if original {
            report.record("failedRereads", "whole-schedule rereads that failed (etcd too slow for the 1 s request timeout)",
                          Double(wake.failedRereads), "rereads")
        }
        report.record("statesPerUnit", "state reports published per placement", Double(wake.statesPublished) / Double(placed), "puts")
        report.record("engineCPU", "engine CPU during placement (its own process)", engineCPU, "s")
        report.record("agentsCPU", "simulator process CPU during placement (\(o.machines) agents, observer, submitter)", selfCPU, "s")
        report.record("agentMemoryIdle", "memory per agent, idle (RSS delta / N)", Double(rssIdle - rssBefore) / Double(o.machines) / 1024, "KiB")
        report.record("agentMemory", "memory per agent with its units running (RSS delta / N)",
                      Double(rssConverged - rssBefore) / Double(o.machines) / 1024, "KiB")

        // Single placements: how many agents does one wake?
        if o.probes > 0 {
            print("  -- \(o.probes) units submitted one at a time")
            let perMachineBefore = await perMachineCounters()
            let probeStart = ContinuousClock.now
            var activeProbes = 0
            for k in 0..<o.probes {
                let unit = SimulatedWorkload.record("probe\(k).service", [:])
                try await retrying { try await control.createUnit(unit, desiredState: .launched) }
                if try await waitFor(timeout: 30, { await observer.machinesActive(unit.name) > 0 }) { activeProbes += 1 }
            }
            if activeProbes < o.probes {
                report.notes.append("only \(activeProbes) of \(o.probes) single units became active within 30 s each")
            }
            let probeTime = Run.seconds(ContinuousClock.now - probeStart) / Double(o.probes)
            let perMachineAfter = await perMachineCounters()
            var deliveries = 0
            var idle = 0
            var woken = 0
            for (a, b) in zip(perMachineAfter, perMachineBefore) {
                deliveries += a.wakeUps - b.wakeUps
                idle += a.idleWakeUps - b.idleWakeUps
                if a.wakeUps > b.wakeUps { woken += 1 }
            }
            let perPlacement = Double(deliveries) / Double(o.probes)
            report.record("wakeUpsPerPlacement", "agent wake-ups per single non-global placement", perPlacement, "deliveries",
                          target: "exactly 1", met: deliveries == o.probes && idle == 0)
            report.record("idleWakeUpsPerPlacement", "agents woken with nothing to do, per placement", Double(idle) / Double(o.probes), "deliveries")
            report.record("probesActive", "single units active within 30 s each", Double(activeProbes), "of \(o.probes)")
            report.record("agentsWoken", "distinct agents woken by \(o.probes) placements", Double(woken), "agents")
            report.record("probeLatency", "single unit: submit → reported active", probeTime * 1000, "ms")
        }

        // A global unit reaching every machine.
        mark("global")
        let global = SimulatedWorkload.record("probe-global.service", ["Global": "true"])
        let globalStart = ContinuousClock.now
        try await retrying { try await control.createUnit(global, desiredState: .launched) }
        let globalDone = try await waitFor(timeout: o.phaseTimeout) { await observer.machinesActive(global.name) == o.machines }
        let globalTime = Run.seconds(ContinuousClock.now - globalStart)
        let globalReached = await observer.machinesActive(global.name)
        report.record("globalReach", "a new global unit active on machines", Double(globalReached), "of \(o.machines)",
                      target: "\(o.machines) of \(o.machines)", met: globalDone)
        report.record("globalTime", "a new global unit: submit → active on all machines", globalTime, "s")

        // Idle: what does a converged cluster cost?
        try await Task.sleep(for: .seconds(3))
        mark("idle")
        let idleBefore = try await EtcdCounters.read(metricsURL)
        let engineIdleBefore = engine.cpuSeconds()
        let selfIdleBefore = ProcessStats.cpuSeconds()
        try await Task.sleep(for: .seconds(o.idleSeconds))
        let idle = try await EtcdCounters.read(metricsURL).minus(idleBefore)
        let per = Double(o.idleSeconds)
        let keepAlives = idle.calls["LeaseKeepAlive"] ?? 0
        let otherRequests = idle.requests - keepAlives - (idle.calls["Watch"] ?? 0)
        report.record("idlePutsPerSecond", "idle: etcd keys written per second", idle.puts / per, "puts/s",
                      target: "0 (only lease keepalives)", met: idle.puts == 0 && idle.writeRequests == 0)
        report.record("idleKeepAlivesPerSecond", "idle: lease keepalives per second (N / (agent_ttl/3) expected)", keepAlives / per, "requests/s")
        report.record("idleOtherRequestsPerSecond", "idle: other etcd requests per second", otherRequests / per, "requests/s")
        print("    etcd calls while idle: \(idle.calls.sorted { $0.key < $1.key }.map { "\($0.key) \(Int($0.value))" }.joined(separator: ", "))")
        report.record("engineIdleCPU", "idle: engine CPU", (engine.cpuSeconds() - engineIdleBefore) / per * 100, "% of a core")
        report.record("agentsIdleCPU", "idle: simulator process CPU (\(o.machines) agents)", (ProcessStats.cpuSeconds() - selfIdleBefore) / per * 100, "% of a core")

        // Kill 10 % of the machines at once; their leases expire after agent_ttl.
        if o.killPercent > 0 {
            let count = o.machines * o.killPercent / 100
            let step = o.machines / max(count, 1)
            let victims = (0..<count).map { machines[$0 * step] }
            let dead = Set(victims.map(\.id))
            let allUnits = nonGlobal.union((0..<o.probes).map { "probe\($0).service" })
            var displaced = 0
            for unit in allUnits where await observer.machines(of: unit).isSubset(of: dead) { displaced += 1 }
            print("  -- killing \(count) machines at once (\(displaced) units on them); leases expire after agent_ttl \(o.agentTTL) s")
            mark("kill")
            let killStart = ContinuousClock.now
            for victim in victims { victim.kill() }
            var expiredAt: Double?
            let rescheduled = try await waitFor(timeout: o.agentTTL + 120) {
                if expiredAt == nil, await observer.activeStates(on: dead) == 0 {
                    expiredAt = Run.seconds(ContinuousClock.now - killStart)
                }
                return await observer.activeCount(of: allUnits, excluding: dead) == allUnits.count
            }
            let rescheduleTime = Run.seconds(ContinuousClock.now - killStart)
            mark(rescheduled ? "rescheduled" : "gave up rescheduling")
            report.record("rescheduleTime", "kill \(count) machines → all \(allUnits.count) units active elsewhere", rescheduleTime, "s",
                          target: "≤ agent_ttl + 5 = \(o.agentTTL + 5) s", met: rescheduled && rescheduleTime <= Double(o.agentTTL + 5))
            if let expiredAt {
                report.record("leaseExpiry", "kill → the dead machines' states gone (lease expiry)", expiredAt, "s")
            }
        }
        if original {
            report.record("failedRereadsTotal", "whole-schedule rereads that failed over the whole run",
                          Double(await wakeCounters().failedRereads), "rereads")
        }
        report.record("enginePeakRSS", "engine peak RSS (VmHWM of its process)", Double(engine.peakRSS()) / 1_048_576, "MiB",
                      target: "≤ 200 MB", met: engine.peakRSS() <= 200_000_000)
        report.record("engineTotalCPU", "engine CPU over the whole run", engine.cpuSeconds(), "s")
        mark("end")
        sampler.cancel()
        await observer.stop()
        report.series = samples.all
    }

    // MARK: Helpers

    private func mark(_ phase: String) {
        report.phases.append(SimulationReport.Phase(name: phase, t: seconds))
    }

    private func wakeCounters() async -> WakeCounters {
        await perMachineCounters().reduce(WakeCounters(), +)
    }

    private func perMachineCounters() async -> [WakeCounters] {
        var all: [WakeCounters] = []
        for machine in machines { all.append(await machine.counters) }
        return all
    }

    private func startSampler(observer: StateObserver, nonGlobal: Set<String>, globals: Set<String>) -> Task<Void, Never> {
        let url = metricsURL
        let start = self.start
        let samples = self.samples
        return Task {
            while !Task.isCancelled {
                let t = Run.seconds(ContinuousClock.now - start)
                let active = await observer.activeCount(of: nonGlobal)
                var globalStates = 0
                for unit in globals { globalStates += await observer.machinesActive(unit) }
                if let counters = try? await EtcdCounters.read(url) {
                    samples.append(SimulationReport.Sample(
                        t: (t * 100).rounded() / 100, activeUnits: active, activeGlobalStates: globalStates, puts: counters.puts,
                        txns: counters.txns, ranges: counters.ranges, requests: counters.requests,
                        keepAlives: counters.calls["LeaseKeepAlive"] ?? 0))
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
    /// - Returns: whether it held.
    private func waitFor(timeout: Int, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    private func until(_ what: String, timeout: Int, _ condition: () async throws -> Bool) async throws {
        guard try await waitFor(timeout: timeout, condition) else { throw BenchError("timed out after \(timeout) s waiting for \(what)") }
    }

}

/// Runs a submission again when an overloaded etcd failed it ("request timed out"); a retry
/// of a create that did apply finds the unit and writes nothing.
@discardableResult
func retrying<T>(attempts: Int = 10, _ body: () async throws -> T) async throws -> T {
    var attempt = 1
    while true {
        do {
            return try await body()
        } catch let error as KeyValueStoreError where (error.code == .unavailable || error.code == .timedOut) && attempt < attempts {
            attempt += 1
            try await Task.sleep(for: .milliseconds(200 * attempt))
        }
    }
}

/// The time series, appended to by the sampler task.
final class SampleBuffer: Sendable {
    private let storage = Mutex<[SimulationReport.Sample]>([])
    func append(_ sample: SimulationReport.Sample) { storage.withLock { $0.append(sample) } }
    var all: [SimulationReport.Sample] { storage.withLock { $0 } }
}
