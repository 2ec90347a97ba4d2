import Foundation
import Testing
@testable import FleetCore

@Suite struct AgentPlanTests {
    static let plain = UnitFile(options: [UnitOption(section: "Service", name: "ExecStart", value: "/bin/sleep 1000")])
    static let installable = UnitFile(options: [
        UnitOption(section: "Service", name: "ExecStart", value: "/bin/sleep 1000"),
        UnitOption(section: "Install", name: "WantedBy", value: "multi-user.target"),
    ])

    static func target(_ name: String, _ state: JobState, _ file: UnitFile = plain) -> AgentTarget {
        AgentTarget(name: name, state: state, hash: file.hash.hex, file: file, global: false)
    }

    static func applied(_ state: JobState, _ file: UnitFile = plain) -> AppliedUnit {
        AppliedUnit(hash: file.hash.hex, state: state)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var targets: [String: AgentTarget]
        var applied: [String: AppliedUnit]
        var managed: Set<String>
        var expected: [String]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "new launched unit: write, load, start", targets: ["a.service": target("a.service", .launched)],
             applied: [:], managed: [], expected: ["write a.service", "load a.service", "start a.service"]),
        Case(label: "new loaded unit: write, load, stop (idempotent)", targets: ["a.service": target("a.service", .loaded)],
             applied: [:], managed: [], expected: ["write a.service", "load a.service", "stop a.service"]),
        Case(label: "[Install] units are enabled", targets: ["a.service": target("a.service", .launched, installable)],
             applied: [:], managed: [], expected: ["write a.service", "load+enable a.service", "start a.service"]),
        Case(label: "nothing to do", targets: ["a.service": target("a.service", .launched)],
             applied: ["a.service": applied(.launched)], managed: ["a.service"], expected: []),
        Case(label: "launched → loaded stops", targets: ["a.service": target("a.service", .loaded)],
             applied: ["a.service": applied(.launched)], managed: ["a.service"], expected: ["stop a.service"]),
        Case(label: "loaded → launched starts", targets: ["a.service": target("a.service", .launched)],
             applied: ["a.service": applied(.loaded)], managed: ["a.service"], expected: ["start a.service"]),
        Case(label: "unscheduled units and stray files are unloaded first",
             targets: ["b.service": target("b.service", .launched)],
             applied: ["a.service": applied(.launched)], managed: ["a.service", "old.service"],
             expected: ["unload a.service", "unload old.service", "write b.service", "load b.service", "start b.service"]),
        Case(label: "replaced contents of a running unit: write, load, restart",
             targets: ["a.service": target("a.service", .launched, installable)],
             applied: ["a.service": applied(.launched)], managed: ["a.service"],
             expected: ["write a.service", "load+enable a.service", "restart a.service"]),
        Case(label: "kinds in order across units",
             targets: ["a.service": target("a.service", .launched), "b.service": target("b.service", .loaded)],
             applied: ["b.service": applied(.launched)], managed: [],
             expected: ["write a.service", "load a.service", "stop b.service", "start a.service"]),
    ]

    @Test(arguments: cases) func plan(_ c: Case) {
        let tasks = AgentPlan.tasks(targets: c.targets, applied: c.applied, managed: c.managed)
        #expect(tasks.map { $0.description.components(separatedBy: ":")[0] } == c.expected)
    }
}
