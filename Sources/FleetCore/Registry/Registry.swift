public import Logging
import Foundation

/// The cluster's shared state — units, desired states, schedules, machines, unit states —
/// kept in a `KeyValueStore` under one prefix (see `RegistryKeyspace`).
///
/// Every operation is one request or one transaction, so a failure never leaves a partial
/// write. Records that fail to decode are logged with their key and skipped.
public struct Registry: Sendable {
    /// The store holding the records.
    public let store: any KeyValueStore
    /// The key layout.
    public let keys: RegistryKeyspace
    /// Where undecodable records are reported.
    public let logger: Logger
    /// The most operations one transaction may carry (etcd's `--max-txn-ops`, default 128).
    public let maxOperationsPerTransaction: Int

    /// - Parameters:
    ///   - store: the store holding the records.
    ///   - keys: the key layout (from `etcd_key_prefix`).
    ///   - logger: where undecodable records are reported.
    ///   - maxOperationsPerTransaction: etcd's `--max-txn-ops`.
    public init(
        store: any KeyValueStore,
        keys: RegistryKeyspace = RegistryKeyspace(),
        logger: Logger = Logger(label: "fleet.registry"),
        maxOperationsPerTransaction: Int = 128
    ) {
        self.store = store
        self.keys = keys
        self.logger = logger
        self.maxOperationsPerTransaction = maxOperationsPerTransaction
    }

    // MARK: Units

    /// Creates a unit with its desired state, unless a unit of that name exists.
    /// - Returns: false when a unit with this name already exists (nothing is written).
    @discardableResult
    public func createUnit(_ unit: UnitRecord, desiredState: JobState) async throws -> Bool {
        let desired = DesiredRecord(state: desiredState, hash: unit.hash)
        var writes: [KVOperation] = [
            .put(keys.unit(unit.name), try encode(unit), lease: 0),
            .put(keys.desired(unit.name), try encode(desired), lease: 0),
        ]
        if unit.global { writes.append(.put(keys.global(unit.name), try encode(desired), lease: 0)) }
        return try await store.txn([.absent(keys.unit(unit.name))], success: writes, failure: []).succeeded
    }

    /// Replaces an existing unit's contents (`fleetctl --replace`), optionally with a new
    /// desired state, guarded on the version read so a concurrent change is not overwritten.
    /// - Returns: false when the unit is gone or changed meanwhile (nothing is written).
    @discardableResult
    public func replaceUnit(_ unit: UnitRecord, desiredState: JobState) async throws -> Bool {
        guard let current = try await store.get(keys.unit(unit.name)) else { return false }
        let desired = DesiredRecord(state: desiredState, hash: unit.hash)
        var writes: [KVOperation] = [
            .put(keys.unit(unit.name), try encode(unit), lease: 0),
            .put(keys.desired(unit.name), try encode(desired), lease: 0),
        ]
        writes.append(unit.global
            ? .put(keys.global(unit.name), try encode(desired), lease: 0)
            : .delete(keys.global(unit.name), prefix: false))
        let unchanged = KVCompare(key: keys.unit(unit.name), .equal, .modRevision(current.modRevision))
        return try await store.txn([unchanged], success: writes, failure: []).succeeded
    }

    /// Reads one unit's contents.
    /// - Returns: nil when there is no such unit.
    public func unit(_ name: String) async throws -> UnitRecord? {
        guard let pair = try await store.get(keys.unit(name)) else { return nil }
        return decode(UnitRecord.self, pair)
    }

    /// Reads the named units, many per request (a transaction of range reads).
    /// - Returns: the units that exist, in the order asked.
    public func units(named names: [String]) async throws -> [UnitRecord] {
        var found: [UnitRecord] = []
        var start = 0
        while start < names.count {
            let batch = names[start..<min(start + maxOperationsPerTransaction, names.count)]
            let result = try await store.txn([], success: batch.map { .range(keys.unit($0), prefix: false) }, failure: [])
            found += result.ranges.compactMap { $0.first.flatMap { decode(UnitRecord.self, $0) } }
            start += batch.count
        }
        return found
    }

    /// Reads units in name order, a page at a time.
    /// - Parameters:
    ///   - after: start after this unit name (the previous page's last).
    ///   - limit: at most this many; 0 for all.
    /// - Returns: the units, and whether more follow.
    public func units(after: String? = nil, limit: Int = 0) async throws -> (units: [UnitRecord], more: Bool) {
        let result = try await store.list(prefix: keys.units, after: after.map(keys.unit), limit: limit)
        return (result.pairs.compactMap { decode(UnitRecord.self, $0) }, result.more)
    }

    /// Reads a page of units with their desired states and reported states: three range
    /// reads whatever the cluster's size, since all three prefixes sort by unit name.
    /// - Parameters:
    ///   - after: start after this unit name.
    ///   - limit: at most this many units; 0 for all.
    public func unitPage(after: String? = nil, limit: Int = 0) async throws -> (entries: [UnitPageEntry], more: Bool) {
        let page = try await units(after: after, limit: limit)
        guard let first = page.units.first?.name, let last = page.units.last?.name else { return ([], page.more) }
        let desired = try await store.range(from: keys.desired(first), to: keys.desired(last) + "\0", limit: 0)
        let reported = try await store.range(from: keys.states(unit: first), to: prefixEnd(keys.states(unit: last)), limit: 0)
        var desiredByName: [String: DesiredRecord] = [:]
        for pair in desired.pairs {
            guard let name = keys.name(of: pair.key, under: keys.desired), let record = decode(DesiredRecord.self, pair) else { continue }
            desiredByName[name] = record
        }
        var statesByName: [String: [PublishedUnitState]] = [:]
        for pair in reported.pairs {
            guard let (unit, machine) = keys.pair(of: pair.key, under: keys.states),
                  let record = decode(UnitStateRecord.self, pair) else { continue }
            statesByName[unit, default: []].append(PublishedUnitState(unit: unit, machineID: machine, record: record))
        }
        let entries = page.units.map { unit in
            UnitPageEntry(unit: unit, desired: desiredByName[unit.name], states: statesByName[unit.name] ?? [])
        }
        return (entries, page.more)
    }

    /// Reads one unit with its desired state and reported states.
    /// - Returns: nil when there is no such unit.
    public func unitEntry(_ name: String) async throws -> UnitPageEntry? {
        guard let unit = try await unit(name) else { return nil }
        return UnitPageEntry(unit: unit, desired: try await desiredState(name), states: try await states(unit: name).states)
    }

    /// Reads every unit's desired state.
    public func desiredStates() async throws -> [String: DesiredRecord] {
        try await records(DesiredRecord.self, under: keys.desired)
    }

    /// Reads one unit's desired state.
    public func desiredState(_ name: String) async throws -> DesiredRecord? {
        guard let pair = try await store.get(keys.desired(name)) else { return nil }
        return decode(DesiredRecord.self, pair)
    }

    /// Changes a unit's desired state.
    /// - Returns: false when there is no such unit (nothing is written).
    @discardableResult
    public func setDesiredState(_ name: String, to state: JobState) async throws -> Bool {
        guard let pair = try await store.get(keys.unit(name)), let unit = decode(UnitRecord.self, pair) else { return false }
        let desired = DesiredRecord(state: state, hash: unit.hash)
        var writes: [KVOperation] = [.put(keys.desired(name), try encode(desired), lease: 0)]
        if unit.global { writes.append(.put(keys.global(name), try encode(desired), lease: 0)) }
        // Guarded on the version read, so a concurrent destroy + recreate (or replace) is not
        // overwritten with the old contents' hash.
        let guardCreation = KVCompare(key: keys.unit(name), .equal, .modRevision(pair.modRevision))
        return try await store.txn([guardCreation], success: writes, failure: []).succeeded
    }

    /// Removes a unit from the cluster. Its schedule entries are left to the engine, which
    /// unschedules units that no longer exist.
    /// - Returns: false when there was no such unit.
    @discardableResult
    public func destroyUnit(_ name: String) async throws -> Bool {
        try await store.txn(
            [KVCompare(key: keys.unit(name), .greater, .createRevision(0))],
            success: [
                .delete(keys.unit(name), prefix: false),
                .delete(keys.desired(name), prefix: false),
                .delete(keys.global(name), prefix: false),
            ],
            failure: []
        ).succeeded
    }

    /// Reads the desired states of global units (what every agent watches).
    public func globalUnits() async throws -> [String: DesiredRecord] {
        try await records(DesiredRecord.self, under: keys.global)
    }

    // MARK: Schedules

    /// Reads one machine's assignments.
    public func schedule(machine: String) async throws -> [String: ScheduleRecord] {
        try await records(ScheduleRecord.self, under: keys.schedule(machine: machine))
    }

    /// Reads every assignment: unit name → (machine, record).
    public func schedules() async throws -> [String: (machine: String, record: ScheduleRecord)] {
        var result: [String: (machine: String, record: ScheduleRecord)] = [:]
        for pair in try await store.list(prefix: keys.schedules).pairs {
            guard let (machine, unit) = keys.pair(of: pair.key, under: keys.schedules),
                  let record = decode(ScheduleRecord.self, pair) else { continue }
            result[unit] = (machine, record)
        }
        return result
    }

    /// Writes schedule changes in as few transactions as etcd allows, each guarded by `fence`
    /// so a deposed engine writes nothing.
    /// - Returns: the number of transactions used.
    /// - Throws: `RegistryError.notLeader` when the fence no longer holds.
    @discardableResult
    public func applySchedule(_ changes: [ScheduleChange], fence: LeaderFence?) async throws -> Int {
        var operations: [KVOperation] = []
        for change in changes {
            switch change {
            case .assign(let unit, let machine, let record):
                operations.append(.put(keys.schedule(machine: machine, unit: unit), try encode(record), lease: 0))
            case .unassign(let unit, let machine):
                operations.append(.delete(keys.schedule(machine: machine, unit: unit), prefix: false))
            }
        }
        let guards = fence.map { [KVCompare(key: keys.leader, .equal, .createRevision($0.revision))] } ?? []
        var transactions = 0
        var start = 0
        while start < operations.count {
            let batch = Array(operations[start..<min(start + maxOperationsPerTransaction, operations.count)])
            guard try await store.txn(guards, success: batch, failure: []).succeeded else {
                throw RegistryError.notLeader
            }
            transactions += 1
            start += batch.count
        }
        return transactions
    }

    // MARK: Machines

    /// Publishes this machine's presence, attached to `lease`.
    public func registerMachine(_ machine: MachineState, lease: Int64) async throws {
        try await store.put(keys.machine(machine.id), try encode(MachineRecord(machine)), lease: lease)
    }

    /// Removes this machine's presence record at once (clean shutdown).
    public func unregisterMachine(_ id: String) async throws {
        try await store.delete(keys.machine(id))
    }

    /// Reads the machines present, with API metadata overrides applied, in ID order.
    public func machines() async throws -> [MachineState] {
        let overrides = try await metadataOverrides()
        return try await store.list(prefix: keys.machines).pairs.compactMap { pair in
            guard let record = decode(MachineRecord.self, pair) else { return nil }
            let metadata = overrides[record.id]?.applied(to: record.metadata) ?? record.metadata
            return MachineState(id: record.id, publicIP: record.publicIP, metadata: metadata, apiURL: record.apiURL ?? "")
        }
    }

    /// Reads every machine's metadata overrides.
    public func metadataOverrides() async throws -> [String: MetadataOverrideRecord] {
        try await records(MetadataOverrideRecord.self, under: keys.metadata)
    }

    /// Replaces one machine's metadata overrides (kept when the machine leaves and rejoins).
    public func setMetadataOverrides(_ record: MetadataOverrideRecord, machine: String) async throws {
        try await store.put(keys.metadata(machine), try encode(record))
    }

    /// Replaces several machines' metadata overrides in one transaction: all or nothing.
    public func setMetadataOverrides(_ records: [String: MetadataOverrideRecord]) async throws {
        let writes = try records.sorted { $0.key < $1.key }.map { machine, record in
            KVOperation.put(keys.metadata(machine), try encode(record), lease: 0)
        }
        try await store.txn([], success: writes, failure: [])
    }

    // MARK: Unit states

    /// Publishes a unit's systemd state on a machine, attached to the machine's lease.
    public func publishState(_ state: UnitStateRecord, unit: String, machine: String, lease: Int64) async throws {
        try await store.put(keys.state(unit: unit, machine: machine), try encode(state), lease: lease)
    }

    /// Withdraws a unit's state on a machine (the unit left that machine).
    public func removeState(unit: String, machine: String) async throws {
        try await store.delete(keys.state(unit: unit, machine: machine))
    }

    /// Withdraws several units' states on a machine, many per transaction.
    public func removeStates(units: [String], machine: String) async throws {
        var start = 0
        while start < units.count {
            let batch = units[start..<min(start + maxOperationsPerTransaction, units.count)]
            try await store.txn([], success: batch.map { .delete(keys.state(unit: $0, machine: machine), prefix: false) }, failure: [])
            start += batch.count
        }
    }

    /// Reads unit states, optionally of one unit only, in unit then machine order.
    /// - Parameters:
    ///   - unit: only this unit's states.
    ///   - after: start after this (unit, machine) pair (pagination).
    ///   - limit: at most this many; 0 for all.
    public func states(
        unit: String? = nil, after: (unit: String, machine: String)? = nil, limit: Int = 0
    ) async throws -> (states: [PublishedUnitState], more: Bool) {
        let prefix = unit.map { keys.states(unit: $0) } ?? keys.states
        let result = try await store.list(prefix: prefix, after: after.map { keys.state(unit: $0.unit, machine: $0.machine) }, limit: limit)
        let states = result.pairs.compactMap { pair -> PublishedUnitState? in
            guard let (unit, machine) = keys.pair(of: pair.key, under: keys.states),
                  let record = decode(UnitStateRecord.self, pair) else { return nil }
            return PublishedUnitState(unit: unit, machineID: machine, record: record)
        }
        return (states, result.more)
    }

    // MARK: Records

    func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }

    func decode<T: Decodable>(_ type: T.Type, _ pair: KeyValue) -> T? {
        do {
            return try JSONDecoder().decode(T.self, from: Data(pair.value))
        } catch {
            logger.warning("skipping undecodable record", metadata: ["registry.key": "\(pair.key)", "error": "\(error)"])
            return nil
        }
    }

    private func records<T: Decodable>(_ type: T.Type, under prefix: String) async throws -> [String: T] {
        var result: [String: T] = [:]
        for pair in try await store.list(prefix: prefix).pairs {
            guard let name = keys.name(of: pair.key, under: prefix), let record = decode(T.self, pair) else { continue }
            result[name] = record
        }
        return result
    }
}

/// One change to the schedule, as the engine writes it.
public enum ScheduleChange: Sendable, Hashable {
    /// Assign `unit` to `machine` (or update its target state there).
    case assign(unit: String, machine: String, ScheduleRecord)
    /// Remove `unit` from `machine`.
    case unassign(unit: String, machine: String)
}

/// A unit with what the API shows beside it.
public struct UnitPageEntry: Sendable, Hashable {
    public var unit: UnitRecord
    public var desired: DesiredRecord?
    /// The states agents reported: one for a placed unit, one per machine for a global unit.
    public var states: [PublishedUnitState]
}

/// A unit's state as one machine reported it.
public struct PublishedUnitState: Sendable, Hashable {
    public var unit: String
    public var machineID: String
    public var record: UnitStateRecord

    public init(unit: String, machineID: String, record: UnitStateRecord) {
        self.unit = unit
        self.machineID = machineID
        self.record = record
    }
}

/// Errors of registry operations beyond the store's own.
public enum RegistryError: Error, Sendable, Hashable {
    /// A write guarded by leadership found that this engine no longer leads.
    case notLeader
}
