import Testing
@testable import FleetCore

@Test func consistentSetHasNoErrors() {
    let units: [String: UnitRequirements] = [
        "a.service": UnitRequirements(machineOf: ["b.service"]),
        "b.service": UnitRequirements(machineOf: ["c.service"]),
        "c.service": .none,
        "d.service": UnitRequirements(machineOf: ["not-submitted.service"], replaces: ["a.service"]),
    ]
    #expect(UnitRequirements.validate(units).isEmpty)
}

@Test func machineOfCycleIsReportedOnceFromItsSmallestName() {
    let units: [String: UnitRequirements] = [
        "c.service": UnitRequirements(machineOf: ["a.service"]),
        "a.service": UnitRequirements(machineOf: ["b.service"]),
        "b.service": UnitRequirements(machineOf: ["c.service"]),
        "x.service": UnitRequirements(machineOf: ["a.service"]),
    ]
    #expect(UnitRequirements.validate(units) == [
        UnitRequirementsError(unit: "a.service", kind: .circularMachineOf(["a.service", "b.service", "c.service", "a.service"]))
    ])
}

@Test func replacesCycleAndSelfLoopAreReported() {
    let units: [String: UnitRequirements] = [
        "new.service": UnitRequirements(replaces: ["old.service"]),
        "old.service": UnitRequirements(replaces: ["new.service"]),
        "self.service": UnitRequirements(machineOf: ["self.service"]),
    ]
    #expect(UnitRequirements.validate(units) == [
        UnitRequirementsError(unit: "self.service", kind: .circularMachineOf(["self.service", "self.service"])),
        UnitRequirementsError(unit: "new.service", kind: .circularReplaces(["new.service", "old.service", "new.service"])),
    ])
}

@Test func longChainsDoNotOverflowTheStack() {
    var units: [String: UnitRequirements] = [:]
    for i in 0..<20_000 { units["u\(i).service"] = UnitRequirements(machineOf: ["u\(i + 1).service"]) }
    #expect(UnitRequirements.validate(units).isEmpty)
    units["u20000.service"] = UnitRequirements(machineOf: ["u0.service"])
    let errors = UnitRequirements.validate(units)
    #expect(errors.count == 1)
    if case .circularMachineOf(let cycle)? = errors.first?.kind {
        #expect(cycle.count == 20_002)
    } else {
        Issue.record("expected a MachineOf cycle, got \(errors)")
    }
}
