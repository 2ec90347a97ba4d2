import FleetCore
import Logging
import ServiceLifecycle
import SystemdBridge
import UnixSignals

/// A long-running loop as a service: cancelled when graceful shutdown begins, then `after`
/// runs (outside the cancelled task, so it can still talk to etcd).
struct LoopService: Service, CustomStringConvertible {
    let description: String
    let body: @Sendable () async -> Void
    var after: @Sendable () async -> Void = {}

    func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
        await after()
    }
}

/// Reacts to presence events: fences the agent when the lease could not be renewed for longer
/// than the TTL (with `fence_on_disconnect`), lifts the fence once registered again, and keeps
/// systemd's STATUS= line current.
struct PresenceWatcher: Service, CustomStringConvertible {
    let description = "presence-watcher"
    let presence: MachinePresence
    let agent: Agent
    let fenceOnDisconnect: Bool
    let leaseFile: LeaseFile
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await event in presence.events {
                switch event {
                case .registered(let lease):
                    leaseFile.write(lease, machineID: presence.machineID, logger: logger)
                    fallthrough
                case .reconnected:
                    notify(.status("registered in the cluster; serving"))
                    await agent.unfence()
                case .renewalOverdue:
                    notify(.status("etcd unreachable for longer than agent_ttl"))
                    if fenceOnDisconnect { await agent.fence() }
                }
            }
        }
    }

    private func notify(_ state: SystemdNotify.State) {
        do {
            try SystemdNotify.send([state])
        } catch {
            logger.debug("sd_notify failed", metadata: ["error": "\(error)"])
        }
    }
}

/// The systemd side of the lifecycle: WATCHDOG=1 at half the watchdog interval, STOPPING=1
/// when shutdown begins, and SIGHUP reloads.
struct SystemdLifecycle: Service, CustomStringConvertible {
    let description = "systemd-lifecycle"
    let watchdogInterval: Duration?
    let reload: @Sendable () async -> Void
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown {
                await withTaskGroup(of: Void.self) { group in
                    if let interval = watchdogInterval {
                        group.addTask {
                            while !Task.isCancelled {
                                _ = try? SystemdNotify.send([.watchdog])
                                try? await Task.sleep(for: interval / 2)
                            }
                        }
                    }
                    group.addTask {
                        for await _ in await UnixSignalsSequence(trapping: .sighup) {
                            await reload()
                        }
                    }
                    await group.waitForAll()
                }
            }
        } onGracefulShutdown: {
            logger.info("Gracefully shutting down")
            _ = try? SystemdNotify.send([.stopping, .status("shutting down")])
        }
    }
}
