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
