@testable import FleetCore

/// Shorthands for scheduler tables.
func machine(_ id: String, _ metadata: [String: String] = [:]) -> MachineState {
    MachineState(id: id, publicIP: "10.0.0.1", metadata: metadata)
}

func unit(
    _ name: String,
    _ state: JobState = .launched,
    machineID: String? = nil,
    machineOf: [String] = [],
    metadata: [String: Set<String>] = [:],
    conflicts: [String] = [],
    global: Bool = false,
    replaces: [String] = []
) -> ScheduledUnit {
    ScheduledUnit(
        name: name,
        requirements: UnitRequirements(
            machineID: machineID, machineOf: machineOf, metadata: metadata,
            conflicts: conflicts, global: global, replaces: replaces),
        desiredState: state)
}

extension SchedulingPlan {
    /// `"place a m1"`, `"unschedule b m2"`: decisions without their reasons, in order.
    var lines: [String] { decisions.map { "\($0.action.rawValue) \($0.unit) \($0.machineID)" } }
    /// Names of the units reported unplaced.
    var unplacedNames: [String] { unplaced.map(\.unit) }
    func reason(_ action: SchedulingDecision.Action, _ unit: String) -> String? {
        decisions.first { $0.action == action && $0.unit == unit }?.reason
    }
}

/// One row of a scheduler table: a snapshot and what a full pass must decide.
struct SchedulerCase: Sendable, CustomStringConvertible {
    let name: String
    let snapshot: SchedulingSnapshot
    let expected: [String]
    var unplaced: [String] = []
    var description: String { name }
}

/// SplitMix64: a small seeded generator, so property tests replay exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
