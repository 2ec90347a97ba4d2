/// Proof that a machine held the engine leadership: the creation revision of the leader key it
/// wrote. Engine writes compare on it, so once the key is gone or recreated by another
/// machine, the deposed leader's writes fail (`RegistryError.notLeader`).
public struct LeaderFence: Sendable, Hashable {
    /// The leading machine.
    public var machineID: String
    /// The lease the leader key is attached to.
    public var lease: Int64
    /// The leader key's create revision.
    public var revision: Int64

    public init(machineID: String, lease: Int64, revision: Int64) {
        self.machineID = machineID
        self.lease = lease
        self.revision = revision
    }
}

/// Who leads the engine, as observed.
public struct LeaderObservation: Sendable, Hashable {
    public var machineID: String
    public var revision: Int64
}

extension Registry {
    /// Tries once to become the engine leader, holding the leader key on `lease`.
    /// - Returns: the fence when this machine leads (newly or already, on this lease), nil
    ///   when another machine leads.
    public func campaign(machineID: String, lease: Int64) async throws -> LeaderFence? {
        let record = try encode(LeaderRecord(machineID: machineID))
        let result = try await store.txn(
            [.absent(keys.leader)],
            success: [.put(keys.leader, record, lease: lease), .range(keys.leader, prefix: false)],
            failure: [.range(keys.leader, prefix: false)]
        )
        guard let pair = result.ranges.last?.first,
              let holder = decode(LeaderRecord.self, pair),
              holder.machineID == machineID, pair.lease == lease
        else { return nil }
        return LeaderFence(machineID: machineID, lease: lease, revision: pair.createRevision)
    }

    /// Gives up leadership, if still held under `fence`.
    /// - Returns: whether this call removed the leader key.
    @discardableResult
    public func resign(_ fence: LeaderFence) async throws -> Bool {
        try await store.txn(
            [KVCompare(key: keys.leader, .equal, .createRevision(fence.revision))],
            success: [.delete(keys.leader, prefix: false)],
            failure: []
        ).succeeded
    }

    /// Reads who leads now.
    /// - Returns: nil when nobody leads.
    public func leader() async throws -> LeaderObservation? {
        guard let pair = try await store.get(keys.leader), let record = decode(LeaderRecord.self, pair) else {
            return nil
        }
        return LeaderObservation(machineID: record.machineID, revision: pair.createRevision)
    }

    /// Checks that `fence` still holds.
    public func stillLeads(_ fence: LeaderFence) async throws -> Bool {
        try await store.get(keys.leader)?.createRevision == fence.revision
    }
}

extension Registry {
    /// Follows who leads: yields the current leader (nil when nobody leads) now and after every
    /// change, resuming the watch by itself and relisting after compaction.
    public func observeLeader() -> AsyncThrowingStream<LeaderObservation?, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    while !Task.isCancelled {
                        let current = try await store.range(from: keys.leader, to: nil, limit: 1)
                        let pair = current.pairs.first
                        continuation.yield(pair.flatMap(observation))
                        for try await update in store.watch(prefix: keys.leader, startRevision: current.revision + 1) {
                            guard case .events(let events) = update else { break }  // compacted: read again
                            for event in events where event.key == keys.leader {
                                switch event {
                                case .put(let pair, _): continuation.yield(observation(pair))
                                case .delete: continuation.yield(nil)
                                }
                            }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func observation(_ pair: KeyValue) -> LeaderObservation? {
        decode(LeaderRecord.self, pair).map { LeaderObservation(machineID: $0.machineID, revision: pair.createRevision) }
    }
}
