import FleetCore
import Foundation

/// The machines and units of a simulation: a realistic mix, deterministic for a given size.
///
/// Machines carry `role` (web, db, cache: a third each) and `rack` (ten racks). Units:
/// 2 global (1 below 100 units), 5 % instances of Conflicts templates (groups no larger than
/// half the machines, so they still fit after machines are killed), 10 % MachineOf pairs,
/// 15 % constrained by MachineMetadata, the rest plain.
struct SimulatedWorkload: Sendable {
    /// What kind of scheduling constraint a unit exercises.
    enum Kind: String, Sendable, CaseIterable {
        case plain, metadata, conflicts, machineOf, global
    }

    struct Unit: Sendable {
        var record: UnitRecord
        var kind: Kind
    }

    let machines: [MachineState]
    let units: [Unit]

    init(machines machineCount: Int, units unitCount: Int) {
        machines = (0..<machineCount).map { i in
            MachineState(id: Self.machineID(i), publicIP: "10.\(i / 65_536).\(i / 256 % 256).\(i % 256)",
                         metadata: ["role": ["web", "db", "cache"][i % 3], "rack": "r\(i % 10)"])
        }
        let globals = unitCount >= 100 ? 2 : 1
        let conflicts = unitCount * 5 / 100
        let pairs = unitCount * 5 / 100
        let constrained = unitCount * 15 / 100
        let plain = max(0, unitCount - globals - conflicts - 2 * pairs - constrained)
        let groupSize = max(1, machineCount / 2)
        var units: [Unit] = []
        for i in 0..<globals {
            units.append(Unit(record: Self.record("global\(i).service", ["Global": "true"]), kind: .global))
        }
        for i in 0..<conflicts {
            let group = i / groupSize
            units.append(Unit(record: Self.record("cg\(group)@\(i).service", ["Conflicts": "cg\(group)@*.service"]),
                              kind: .conflicts))
        }
        for i in 0..<pairs {
            units.append(Unit(record: Self.record("lead\(i).service", [:]), kind: .machineOf))
            units.append(Unit(record: Self.record("follow\(i).service", ["MachineOf": "lead\(i).service"]), kind: .machineOf))
        }
        for i in 0..<constrained {
            units.append(Unit(record: Self.record("meta\(i).service", ["MachineMetadata": "role=\(["web", "db", "cache"][i % 3])"]),
                              kind: .metadata))
        }
        for i in 0..<plain {
            units.append(Unit(record: Self.record("plain\(i).service", [:]), kind: .plain))
        }
        self.units = units
    }

    static func machineID(_ index: Int) -> String { String(format: "%032x", index + 1) }

    /// A service unit with these `[X-Fleet]` options.
    static func record(_ name: String, _ fleet: [String: String]) -> UnitRecord {
        var options = [
            UnitOption(section: "Unit", name: "Description", value: "simulated \(name)"),
            UnitOption(section: "Service", name: "ExecStart", value: "/usr/bin/sleep infinity"),
        ]
        options += fleet.sorted { $0.key < $1.key }.map { UnitOption(section: "X-Fleet", name: $0.key, value: $0.value) }
        return UnitRecord(name: name, options: options, hash: UnitFile(options: options).hash.hex, global: fleet["Global"] == "true")
    }

    /// How many units of each kind.
    var counts: [Kind: Int] { Dictionary(grouping: units, by: \.kind).mapValues(\.count) }
}
