#if canImport(Glibc)
import Glibc
#endif
import FleetCore
import FleetSystemd
import Logging
import SystemdBridge

/// Figures for the agent on real systemd (printed, not asserted): time from a desired state to
/// 100 units active, the cost of ListUnitsByNames for 500 units, and the agent's CPU while idle
/// with 500 loaded and 500 running units. Run by `Integration/run-systemd-tests.sh --bench`.
func runAgentBenchmark(manager: SystemdUnitManager, runner: CheckRunner) async {
    await runner.check("benchmark: agent on real systemd, 500 loaded + 500 running units") {
        let store = InMemoryKeyValueStore()
        let registry = Registry(store: store)
        let lease = try await store.grantLease(ttl: .seconds(3600))
        let machineID = try MachineIdentity.machineID()
        var quiet = Logger(label: "fleet-systemd-check.bench")
        quiet.logLevel = .warning
        let agent = Agent(registry: registry, machineID: machineID, metadata: [:], units: manager, logger: quiet) { lease }
        let running = Task { await agent.run() }
        defer { running.cancel() }

        func unit(_ name: String) throws -> UnitRecord {
            let file = try UnitFile(parsing: "[Unit]\nDescription=bench\n\n[Service]\nExecStart=/bin/sleep 100000\n")
            return UnitRecord(name: name, options: file.options, hash: file.hash.hex, global: false)
        }
        func schedule(_ units: [UnitRecord], _ state: JobState) async throws {
            for unit in units { try await registry.createUnit(unit, desiredState: state) }
            try await registry.applySchedule(
                units.map { .assign(unit: $0.name, machine: machineID, ScheduleRecord(state: state, hash: $0.hash)) }, fence: nil)
        }
        func waitUntil(_ count: Int, _ expected: String, prefix: String, timeout: Duration = .seconds(120)) async throws -> Duration {
            let start = ContinuousClock.now
            while ContinuousClock.now - start < timeout {
                let states = try await registry.states().states.filter {
                    $0.unit.hasPrefix(prefix) && "\($0.record.activeState)/\($0.record.subState)" == expected
                }
                if states.count >= count { return ContinuousClock.now - start }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw CheckFailure("\(prefix)*: fewer than \(count) reached \(expected) in \(timeout)")
        }

        // 100 units at once: desired state written → all active/running published.
        let hundred = try (0..<100).map { try unit("fleet-bench-first-\($0).service") }
        try await schedule(hundred, .launched)
        let toActive = try await waitUntil(100, "active/running", prefix: "fleet-bench-first-")
        say("  figure: 100 units, desired launched → all published active/running: \(toActive)")

        // Up to 500 running and 500 loaded.
        let more = try (0..<400).map { try unit("fleet-bench-run-\($0).service") }
        try await schedule(more, .launched)
        _ = try await waitUntil(400, "active/running", prefix: "fleet-bench-run-")
        let loaded = try (0..<500).map { try unit("fleet-bench-loaded-\($0).service") }
        try await schedule(loaded, .loaded)
        _ = try await waitUntil(500, "inactive/dead", prefix: "fleet-bench-loaded-")

        let connection = try await SystemdConnection.connect()
        let names = Array((hundred + more).map(\.name))
        var samples: [Duration] = []
        for _ in 0..<5 {
            let begin = ContinuousClock.now
            let entries = try await connection.listUnitsByNames(names)
            samples.append(ContinuousClock.now - begin)
            try expect(entries.count == 500, "ListUnitsByNames answered \(entries.count) entries")
        }
        await connection.close()
        say("  figure: ListUnitsByNames of 500 running units, median \(samples.sorted()[2])")

        // Idle: nothing changes for 10 s; the agent must not poll.
        try await Task.sleep(for: .seconds(1))
        let (cpuBefore, wallBefore) = (processCPU(), ContinuousClock.now)
        try await Task.sleep(for: .seconds(10))
        let cpu = processCPU() - cpuBefore
        let wall = ContinuousClock.now - wallBefore
        let share = cpu / (Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18) * 100
        say("  figure: agent process CPU while idle with 500 running + 500 loaded units: \((share * 1000).rounded() / 1000)% of one core over \(wall) (target < 1%)")

        let start = ContinuousClock.now
        try await registry.applySchedule((hundred + more + loaded).map { .unassign(unit: $0.name, machine: machineID) }, fence: nil)
        while ContinuousClock.now - start < .seconds(120), !(try await registry.states().states.isEmpty) {
            try await Task.sleep(for: .milliseconds(50))
        }
        say("  figure: unscheduling 1,000 units until every state was withdrawn: \(ContinuousClock.now - start)")
    }
}

/// User + system CPU seconds of this process.
func processCPU() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
