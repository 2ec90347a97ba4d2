import FleetCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scheduler figures: a full pass of 10,000 units on 1,000 machines (target ≤ 250 ms) and one
/// incremental placement into that state (target ≤ 1 ms), with peak RSS.
enum SchedulerBenchmark {
    static let machineCount = 1_000
    static let unitCount = 10_000
    static let fullTarget = 250.0  // ms
    static let incrementalTarget = 1.0  // ms

    static func run() {
        let snapshot = cluster()
        print("scheduler: \(snapshot.machines.count) machines, \(snapshot.units.count) units")

        // Full pass, from nothing placed.
        var fullTimes: [Double] = []
        var plan = SchedulingPlan()
        for _ in 0..<5 {
            let (p, ms) = timed { Scheduler.plan(snapshot) }
            plan = p
            fullTimes.append(ms)
        }
        let places = plan.decisions.filter { $0.action == .place }.count
        print("  full pass: \(places) placed, \(plan.unplaced.count) unplaced")
        report("full pass", fullTimes, target: fullTarget)

        // Incremental: one change into the settled state, repeated on fresh units.
        var scheduler = Scheduler(snapshot)
        _ = scheduler.reconcile()
        let kinds: [(String, (Int) -> ScheduledUnit)] = [
            ("plain unit", { ScheduledUnit(name: "new\($0).service") }),
            ("metadata unit", {
                ScheduledUnit(name: "newmd\($0).service",
                    requirements: UnitRequirements(metadata: ["region": ["eu-central"], "disk": ["ssd"]]))
            }),
            ("conflicting unit", {
                ScheduledUnit(name: "newc@\($0).service", requirements: UnitRequirements(conflicts: ["newc@*", "web@*"]))
            }),
            ("follower", { ScheduledUnit(name: "newf\($0).service", requirements: UnitRequirements(machineOf: ["svc\($0)-a.service"])) }),
        ]
        var all: [Double] = []
        for (label, make) in kinds {
            var times: [Double] = []
            for i in 0..<400 {
                let (p, ms) = timed { scheduler.apply(.unitUpdated(make(i))) }
                precondition(p.decisions.count == 1 || !p.unplaced.isEmpty, "one placement expected for \(label)")
                times.append(ms)
            }
            report("incremental \(label)", times, target: incrementalTarget)
            all += times
        }
        let (_, leaveMs) = timed { scheduler.apply(.machineLeft(machineID(7))) }
        print("  machine left (reschedules its units): \(fmt(leaveMs)) ms")
        report("incremental, all kinds", all, target: incrementalTarget)

        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        print("  peak RSS: \(usage.ru_maxrss / 1024) MiB")
    }

    /// 1,000 machines over 4 regions, 2 disk kinds, 20 racks; 10,000 units: plain, metadata-
    /// constrained, conflicting instances, MachineOf chains of 3, MachineID pins, Replaces, and
    /// a few global units.
    static func cluster() -> SchedulingSnapshot {
        let regions = ["us-east", "us-west", "eu-central", "ap-south"]
        let machines = (0..<machineCount).map { i in
            MachineState(
                id: machineID(i), publicIP: "10.\(i / 256).\(i % 256).1",
                metadata: [
                    "region": regions[i % 4], "disk": i % 3 == 0 ? "hdd" : "ssd", "rack": "r\(i % 20)",
                    "role": i % 10 == 0 ? "edge" : "worker",
                ])
        }
        var units: [ScheduledUnit] = []
        func add(_ name: String, _ req: UnitRequirements = .none) {
            units.append(ScheduledUnit(name: name, requirements: req, desiredState: units.count % 7 == 0 ? .loaded : .launched))
        }
        for i in 0..<2_000 {
            let region: Set<String> = i % 2 == 0 ? [regions[i % 4]] : [regions[i % 4], regions[(i + 1) % 4]]
            add("md\(i).service", UnitRequirements(metadata: ["region": region, "disk": ["ssd"]]))
        }
        for i in 0..<600 { add("web@\(i).service", UnitRequirements(conflicts: ["web@*"])) }
        for i in 0..<400 { add("db-\(i).service", UnitRequirements(metadata: ["role": ["worker"]], conflicts: ["db-*", "cache-*"])) }
        for i in 0..<500 {
            add("svc\(i)-a.service")
            add("svc\(i)-b.service", UnitRequirements(machineOf: ["svc\(i)-a.service"]))
            add("svc\(i)-c.service", UnitRequirements(machineOf: ["svc\(i)-b.service"]))
        }
        for i in 0..<200 { add("pinned\(i).service", UnitRequirements(machineID: machineID(i * 5))) }
        for i in 0..<20 { add("v2-\(i).service", UnitRequirements(replaces: ["app\(i).service"])) }
        add("monitor.service", UnitRequirements(global: true))
        add("edge-proxy.service", UnitRequirements(metadata: ["role": ["edge"]], conflicts: ["cache-*"], global: true))
        var i = 0
        while units.count < unitCount {
            add("app\(i).service")
            i += 1
        }
        return SchedulingSnapshot(machines: machines, units: units)
    }

    static func machineID(_ i: Int) -> String {
        let hex = String(UInt64(i) &* 0x9E37_79B9_7F4A_7C15, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + String(repeating: "a", count: 16)
    }

    static func timed<T>(_ body: () -> T) -> (T, Double) {
        let clock = ContinuousClock()
        var result: T?
        let d = clock.measure { result = body() }
        return (result!, Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
    }

    static func report(_ label: String, _ times: [Double], target: Double) {
        let sorted = times.sorted()
        let median = sorted[sorted.count / 2]
        let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        print("  \(label): min \(fmt(sorted[0])) ms, median \(fmt(median)) ms, p99 \(fmt(p99)) ms (n=\(times.count)); "
            + "median/target \(fmt(median / target)) (target \(fmt(target)) ms)")
    }

    static func fmt(_ x: Double) -> String {
        let scaled = (x * 1000).rounded() / 1000
        return "\(scaled)"
    }
}
