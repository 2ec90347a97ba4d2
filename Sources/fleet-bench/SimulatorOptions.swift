/// Command-line options of `fleet-bench sim`.
struct SimulatorOptions: Sendable {
    /// How the simulated cluster behaves.
    enum Mode: String, Sendable {
        /// FleetCore as it is: per-machine schedule watches, watch-driven engine, states published on change.
        case ours
        /// A model of the original fleet's design (see `OriginalAgent`).
        case original
        /// Both, one after the other at the same size, with their ratios.
        case both
    }

    var machines = 1_000
    var units = 10_000
    var mode = Mode.ours
    var agentTTL = 10
    /// Units submitted one at a time after convergence, to count agents woken per placement.
    var probes = 50
    /// Length of the idle measurement after convergence.
    var idleSeconds = 20
    /// Percentage of machines killed at once for the rescheduling measurement.
    var killPercent = 10
    /// Agents per shared etcd client (HTTP connection pool).
    var agentsPerClient = 100
    /// The engine's reconcile interval in `original` mode (the original's default: 2 s).
    var reconcileInterval = 2
    /// Where the JSON report goes.
    var output: String?
    /// How long any phase may take before the run gives up on it.
    var phaseTimeout = 300

    static let usage = """
        usage: fleet-bench sim [--machines N] [--units M] [--mode ours|original|both] [--agent-ttl SECONDS]
                               [--probes K] [--idle-seconds S] [--kill-percent P] [--agents-per-client A]
                               [--reconcile-interval SECONDS] [--phase-timeout SECONDS] [--out FILE.json]
        """

    /// Parses `arguments` (after `sim`).
    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw BenchError("\(flag) needs a value\n\(Self.usage)") }
            return next
        }
        func number(_ flag: String, minimum: Int) throws -> Int {
            let text = try value(flag)
            guard let parsed = Int(text), parsed >= minimum else {
                throw BenchError("\(flag) wants a whole number ≥ \(minimum), not \"\(text)\"\n\(Self.usage)")
            }
            return parsed
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--machines": machines = try number(flag, minimum: 2)
            case "--units": units = try number(flag, minimum: 1)
            case "--agent-ttl": agentTTL = try number(flag, minimum: 2)
            case "--probes": probes = try number(flag, minimum: 0)
            case "--idle-seconds": idleSeconds = try number(flag, minimum: 1)
            case "--kill-percent": killPercent = try number(flag, minimum: 0)
            case "--agents-per-client": agentsPerClient = try number(flag, minimum: 1)
            case "--reconcile-interval": reconcileInterval = try number(flag, minimum: 1)
            case "--phase-timeout": phaseTimeout = try number(flag, minimum: 1)
            case "--out": output = try value(flag)
            case "--mode":
                let text = try value(flag)
                guard let parsed = Mode(rawValue: text) else { throw BenchError("--mode is ours, original or both, not \"\(text)\"") }
                mode = parsed
            default:
                throw BenchError("unknown option \"\(flag)\"\n\(Self.usage)")
            }
        }
        guard killPercent < 100 else { throw BenchError("--kill-percent must leave machines alive (< 100)") }
    }
}
