/// `/metrics` in the Prometheus text exposition format (version 0.0.4), with the original
/// fleet's family names (`fleet_engine_*`, `fleet_registry_*`) plus this implementation's
/// `fleet_agent_*` and `fleet_machine_*`.
public enum Metrics {
    /// The content type of the exposition.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// What one fleetd knows about itself when `/metrics` is asked.
    public struct Sample: Sendable, Hashable {
        public var engine: EngineMetrics?
        public var agent: AgentMetrics?
        public var registry: RegistryOperationCounts?
        /// Whether the machine is registered under a live lease.
        public var registered: Bool?

        /// - Parameters: each field as documented on its property; nil omits its families.
        public init(engine: EngineMetrics? = nil, agent: AgentMetrics? = nil, registry: RegistryOperationCounts? = nil,
                    registered: Bool? = nil) {
            self.engine = engine
            self.agent = agent
            self.registry = registry
            self.registered = registered
        }
    }

    /// Formats a sample: `# HELP` and `# TYPE` per family, families in a fixed order,
    /// labelled series sorted by label value.
    public static func format(_ sample: Sample) -> String {
        var out = Exposition()
        if let engine = sample.engine {
            out.family("fleet_engine_leader_start_time", "gauge", "Start time of becoming an engine leader since epoch in seconds.",
                       [([:], engine.leaderSince ?? 0)])
            out.family("fleet_engine_task_count_total", "counter", "Counter of engine schedule tasks.", [
                (["type": "assign"], Double(engine.assignments)), (["type": "unassign"], Double(engine.unassignments)),
            ])
            out.family("fleet_engine_reconcile_count_total", "counter", "Counter of reconcile rounds.",
                       [([:], Double(engine.fullPasses + engine.eventBatches))])
            out.family("fleet_engine_reconcile_failure_count_total", "counter", "Counter of scheduling failures.",
                       [(["type": "run"], Double(engine.reconcileFailures))])
            out.family("fleet_engine_leader_transitions_total", "counter", "Times this engine became leader.",
                       [([:], Double(engine.leaderTransitions))])
            out.family("fleet_engine_transactions_total", "counter", "Schedule transactions written.",
                       [([:], Double(engine.transactions))])
            out.family("fleet_engine_decision_latency_seconds", "gauge",
                       "Time from a change to its schedule write being acknowledged, last decision.",
                       [([:], seconds(engine.lastDecisionLatency))])
        }
        if let registry = sample.registry {
            out.family("fleet_registry_operation_count_total", "counter", "Counter of registry operations.",
                       registry.operations.sorted { $0.key < $1.key }.map { (["type": $0.key], Double($0.value)) })
            out.family("fleet_registry_operation_failed_count_total", "counter", "Counter of failed registry operations.",
                       registry.failures.sorted { $0.key < $1.key }.map { (["type": $0.key], Double($0.value)) })
        }
        if let agent = sample.agent {
            out.family("fleet_agent_wakeups_total", "counter", "Watch deliveries received by the agent.", [([:], Double(agent.wakeUps))])
            out.family("fleet_agent_idle_wakeups_total", "counter",
                       "Watch deliveries that changed nothing this machine runs.", [([:], Double(agent.idleWakeUps))])
            out.family("fleet_agent_reconcile_count_total", "counter", "Agent reconcile passes that had tasks to do.",
                       [([:], Double(agent.reconciles))])
            out.family("fleet_agent_states_published_total", "counter", "Unit states published by the agent.",
                       [([:], Double(agent.statesPublished))])
        }
        if let registered = sample.registered {
            out.family("fleet_machine_registered", "gauge", "Whether this machine is registered under a live lease.",
                       [([:], registered ? 1 : 0)])
        }
        return out.text
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) / 1e18
    }

    private struct Exposition {
        var text = ""

        mutating func family(_ name: String, _ type: String, _ help: String, _ series: [([String: String], Double)]) {
            text += "# HELP \(name) \(escape(help, quotes: false))\n# TYPE \(name) \(type)\n"
            for (labels, value) in series {
                let rendered = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escape($0.value, quotes: true))\"" }
                text += name + (rendered.isEmpty ? "" : "{" + rendered.joined(separator: ",") + "}") + " " + number(value) + "\n"
            }
        }

        func number(_ value: Double) -> String {
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        }

        func escape(_ text: String, quotes: Bool) -> String {
            var out = ""
            for character in text {
                switch character {
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\"" where quotes: out += "\\\""
                default: out.append(character)
                }
            }
            return out
        }
    }
}
