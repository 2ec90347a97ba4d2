public import Logging

/// This machine's presence in the cluster: a lease (TTL = `agent_ttl`) kept alive at TTL/3,
/// with the machine record attached to it, so the record vanishes when fleetd dies.
///
/// When the lease is lost (etcd says it is unknown: it expired during an outage) a new one is
/// granted and the machine registered again. While etcd is unreachable it retries with
/// backoff and logs one warning per outage. Engine and Agent read `currentLease()`.
public actor MachinePresence {
    /// What happened to the presence, for fleetd to react (fencing, status lines).
    public enum Event: Sendable, Hashable {
        /// The machine was registered under a new lease (at start and after a lost lease).
        case registered(lease: Int64)
        /// No renewal has succeeded for 2/3 of the TTL: the lease may expire before the next
        /// try, after which the cluster runs this machine's units elsewhere.
        case renewalOverdue
        /// After `renewalOverdue`, the same lease was renewed again (etcd kept it alive, as
        /// across an etcd restart): the machine never left the cluster.
        case reconnected
    }

    let registry: Registry
    let ttl: Duration
    let logger: Logger
    let clock: any ClockSource
    let maximumBackoff: Duration
    private var machine: MachineState
    private var lease: Int64?
    /// Whether the machine record is stored under `lease`.
    private var registered = false
    /// When the lease was last granted or renewed (clock time).
    private var lastRenewal: Duration
    private var inOutage = false
    private var overdueReported = false
    private var stopped = false
    private var resumeLease: Int64?
    /// The current pause between renewals, ended early by `shutdown()`.
    private var pauseTask: Task<Void, Never>?
    private let sink: AsyncStream<Event>.Continuation
    /// Presence events, in order. One consumer.
    public nonisolated let events: AsyncStream<Event>

    /// - Parameters:
    ///   - registry: the cluster state.
    ///   - machine: this machine's ID, public IP and configured metadata.
    ///   - ttl: the lease TTL (`agent_ttl`).
    ///   - logger: outages (warning, once each) and re-registrations (info).
    ///   - clock: measures how long renewal has failed.
    ///   - maximumBackoff: the longest pause between retries (default TTL/10, so an overdue
    ///     renewal is noticed well before the lease can expire).
    ///   - resumeLease: the lease a previous fleetd on this machine left alive (a restart or
    ///     a crash): registering under it again changes nothing the cluster watches, so no unit
    ///     moves. Ignored when etcd no longer knows it or it has another TTL.
    public init(
        registry: Registry, machine: MachineState, ttl: Duration, logger: Logger,
        clock: any ClockSource = SystemClock(), maximumBackoff: Duration? = nil, resumeLease: Int64? = nil
    ) {
        self.registry = registry
        self.machine = machine
        self.machineID = machine.id
        self.ttl = ttl
        self.logger = logger
        self.clock = clock
        self.maximumBackoff = maximumBackoff ?? ttl / 10
        self.lastRenewal = clock.now
        self.resumeLease = resumeLease
        (events, sink) = AsyncStream<Event>.makeStream()
    }

    /// The lease the machine is registered under; nil before the first registration, after
    /// a lost lease until the next one, and after `shutdown()`.
    public func currentLease() -> Int64? { registered ? lease : nil }

    /// Waits until the machine is registered (or the task is cancelled, or shutdown).
    /// Start-up only: the engine campaigns with the lease as soon as there is one.
    public func waitForLease() async {
        while currentLease() == nil && !stopped && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The machine as published.
    public var currentMachine: MachineState { machine }

    /// This machine's ID (it never changes).
    public nonisolated let machineID: String

    /// Keeps the machine registered until cancelled or shut down.
    public func run() async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled && !stopped {
            do {
                try await step()
                if inOutage {
                    inOutage = false
                    logger.info("etcd reachable again; machine presence renewed")
                }
                backoff = .milliseconds(100)
                await pause(ttl / 3)
            } catch is CancellationError {
                return
            } catch let error as KeyValueStoreError where error.code == .leaseNotFound {
                // The lease expired (or was revoked): start over with a new one at once.
                logger.warning("machine lease lost; registering again", metadata: ["error": "\(error)"])
                lease = nil
                registered = false
            } catch {
                if !inOutage {
                    inOutage = true
                    logger.warning("etcd unreachable; units keep running, retrying machine registration", metadata: [
                        "error": "\(error)",
                    ])
                }
                noteFailure()
                await pause(backoff)
                backoff = min(backoff * 2, maximumBackoff)
            }
        }
    }

    /// Sleeps, until cancelled or `shutdown()`.
    private func pause(_ duration: Duration) async {
        let sleeper = Task { _ = try? await Task.sleep(for: duration) }
        pauseTask = sleeper
        await withTaskCancellationHandler { await sleeper.value } onCancel: { sleeper.cancel() }
        pauseTask = nil
    }

    /// One renewal: grant and register when needed, otherwise keep the lease alive.
    private func step() async throws {
        // etcd's TTL runs from when it received the renewal: count from the send, not the answer.
        let sent = clock.now
        if lease == nil, let previous = resumeLease {
            resumeLease = nil
            do {
                // The same TTL, or the cluster would see this machine vanish on the old one's clock.
                let granted = try await registry.store.keepAlive(lease: previous)
                if granted - ttl < .seconds(1) && ttl - granted < .seconds(1) {
                    lease = previous
                    registered = false
                    logger.info("resuming the lease a previous fleetd left", metadata: ["lease": "\(String(previous, radix: 16))"])
                }
            } catch let error as KeyValueStoreError where error.code == .leaseNotFound {
                // Expired while fleetd was down: a new one below.
            }
        }
        if lease == nil {
            let granted = try await registry.store.grantLease(ttl: ttl)
            guard !stopped else {
                // shutdown() ran while the grant was in flight: leave nothing behind.
                try? await registry.store.revokeLease(granted)
                return
            }
            lease = granted
            registered = false
        }
        guard let current = lease, !stopped else { return }
        if registered {
            _ = try await registry.store.keepAlive(lease: current)
            if overdueReported { sink.yield(.reconnected) }
        } else {
            try await registry.registerMachine(machine, lease: current)
            registered = true
            logger.info("machine registered", metadata: ["machine.id": "\(machine.id)", "lease": "\(String(current, radix: 16))"])
            sink.yield(.registered(lease: current))
        }
        lastRenewal = sent
        overdueReported = false
    }

    /// Reports, once per outage, that no renewal has succeeded for 2/3 of the TTL since the last
    /// good one was sent: the lease may expire before the next try, and the engine then moves
    /// this machine's units. Fencing on this report stops them *before* that can happen.
    private func noteFailure() {
        guard !overdueReported, clock.now - lastRenewal > ttl * 2 / 3 else { return }
        overdueReported = true
        logger.error("machine lease could not be renewed for 2/3 of its TTL; the cluster may soon run this machine's units elsewhere")
        sink.yield(.renewalOverdue)
    }

    /// Publishes new metadata or public IP (SIGHUP) under the current lease.
    /// - Throws: what the registry throws; the next registration uses the new record anyway.
    public func update(machine newMachine: MachineState) async throws {
        machine = newMachine
        guard let current = lease, registered else { return }
        try await registry.registerMachine(newMachine, lease: current)
    }

    /// Stops renewing. By default revokes the lease so the machine (and every state attached
    /// to it) disappears at once; `keepingLease` leaves it to the next fleetd (a restart), and
    /// to expiry after the TTL if none comes.
    public func shutdown(keepingLease: Bool = false) async {
        stopped = true
        sink.finish()
        pauseTask?.cancel()
        guard let current = lease else { return }
        guard !keepingLease else {
            logger.info("machine lease kept for the next fleetd", metadata: ["lease": "\(String(current, radix: 16))"])
            return
        }
        lease = nil
        registered = false
        do {
            try await registry.store.revokeLease(current)
            logger.info("machine lease revoked")
        } catch {
            logger.warning("could not revoke the machine lease; it expires after the TTL", metadata: ["error": "\(error)"])
        }
    }
}
