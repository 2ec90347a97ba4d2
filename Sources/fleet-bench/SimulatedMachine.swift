import FleetCore
import Logging

/// What a simulated agent counts, in either mode.
struct WakeCounters: Sendable, Hashable {
    /// Watch deliveries received.
    var wakeUps = 0
    /// Deliveries that changed nothing this machine should run.
    var idleWakeUps = 0
    var statesPublished = 0
    /// Original model only: whole-schedule rereads that failed (timed out under load).
    var failedRereads = 0

    static func + (a: WakeCounters, b: WakeCounters) -> WakeCounters {
        WakeCounters(wakeUps: a.wakeUps + b.wakeUps, idleWakeUps: a.idleWakeUps + b.idleWakeUps,
                     statesPublished: a.statesPublished + b.statesPublished, failedRereads: a.failedRereads + b.failedRereads)
    }

    static func - (a: WakeCounters, b: WakeCounters) -> WakeCounters {
        WakeCounters(wakeUps: a.wakeUps - b.wakeUps, idleWakeUps: a.idleWakeUps - b.idleWakeUps,
                     statesPublished: a.statesPublished - b.statesPublished, failedRereads: a.failedRereads - b.failedRereads)
    }
}

/// One simulated machine: its own lease and machine record (`MachinePresence`), its own
/// agent (the real `Agent`, or the `OriginalAgent` model) with its own watches, and an
/// `InMemoryUnitManager` as its systemd. Killing it stops presence and agent without revoking
/// the lease, as a machine that loses power.
final class SimulatedMachine: Sendable {
    enum Runner: Sendable {
        case ours(Agent)
        case original(OriginalAgent)
    }

    let id: String
    let presence: MachinePresence
    let runner: Runner
    private let tasks: [Task<Void, Never>]

    init(machine: MachineState, registry: Registry, original: Bool, ttl: Duration, logger: Logger) {
        id = machine.id
        let presence = MachinePresence(registry: registry, machine: machine, ttl: ttl, logger: logger)
        self.presence = presence
        let leaseSource: @Sendable () async -> Int64? = { await presence.currentLease() }
        let units = InMemoryUnitManager()
        runner = original
            ? .original(OriginalAgent(registry: registry, machineID: machine.id, units: units, ttl: ttl, leaseSource: leaseSource))
            : .ours(Agent(registry: registry, machineID: machine.id, metadata: machine.metadata, units: units,
                          logger: logger, leaseSource: leaseSource))
        let runner = self.runner
        tasks = [
            Task { await presence.run() },
            Task {
                await presence.waitForLease()
                switch runner {
                case .ours(let agent): await agent.run()
                case .original(let agent): await agent.run()
                }
            },
        ]
    }

    /// Stops presence and agent at once; the lease is left to expire.
    func kill() {
        for task in tasks { task.cancel() }
    }

    var counters: WakeCounters {
        get async {
            switch runner {
            case .ours(let agent):
                let metrics = await agent.metrics
                return WakeCounters(wakeUps: metrics.wakeUps, idleWakeUps: metrics.idleWakeUps,
                                    statesPublished: metrics.statesPublished)
            case .original(let agent):
                return await agent.metrics
            }
        }
    }
}
