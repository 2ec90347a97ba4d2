import Testing
@testable import FleetCore

/// Each row exercises one rule; the comment says what a scheduler without the rule would do.
let schedulerTable: [SchedulerCase] = [
    // Desired state.
    SchedulerCase(
        name: "only loaded/launched units are placed",  // else: inactive a placed
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [unit("a", .inactive), unit("b", .loaded)]),
        expected: ["place b m1"]),
    SchedulerCase(
        name: "a placed inactive unit is unscheduled",
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [unit("a", .inactive)], placement: ["a": "m1"]),
        expected: ["unschedule a m1"]),
    SchedulerCase(
        name: "a placement of an unknown unit is removed",
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [], placement: ["ghost": "m1"]),
        expected: ["unschedule ghost m1"]),

    // Least loaded.
    SchedulerCase(
        name: "least-loaded machine first",  // else: m1 by ID
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")], units: [unit("x"), unit("y"), unit("a")],
            placement: ["x": "m1", "y": "m1"]),
        expected: ["place a m2"]),
    SchedulerCase(
        name: "ties go to the smallest machine ID",
        snapshot: SchedulingSnapshot(machines: [machine("m3"), machine("m2"), machine("m1")], units: [unit("a")]),
        expected: ["place a m1"]),
    SchedulerCase(
        name: "load counts placements of the same pass",  // else: all on m1
        snapshot: SchedulingSnapshot(machines: [machine("m1"), machine("m2")], units: [unit("a"), unit("b"), unit("c")]),
        expected: ["place a m1", "place b m2", "place c m1"]),
    SchedulerCase(
        name: "a valid placement stays even when not least loaded (no churn)",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")], units: [unit("a"), unit("b")],
            placement: ["a": "m1", "b": "m1"]),
        expected: []),

    // MachineID.
    SchedulerCase(
        name: "MachineID pins the unit",  // else: m1 by load/ID
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")], units: [unit("a", machineID: "m2"), unit("x"), unit("y")],
            placement: ["x": "m2", "y": "m2"]),
        expected: ["place a m2"]),
    SchedulerCase(
        name: "MachineID of an absent machine leaves the unit unplaced",
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [unit("a", machineID: "m9")]),
        expected: [], unplaced: ["a"]),
    SchedulerCase(
        name: "a placement on another machine than MachineID is moved",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")], units: [unit("a", machineID: "m2")], placement: ["a": "m1"]),
        expected: ["unschedule a m1", "place a m2"]),

    // MachineOf.
    SchedulerCase(
        name: "a follower goes where its target goes, even when placed first",  // else: a on m1
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")], units: [unit("a", machineOf: ["z"]), unit("z", machineID: "m2")]),
        expected: ["place a m2", "place z m2"]),
    SchedulerCase(
        name: "a follower of an unplaced target is unplaceable",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1")], units: [unit("a", machineOf: ["z"]), unit("z", machineID: "m9")]),
        expected: [], unplaced: ["a", "z"]),
    SchedulerCase(
        name: "followers move with their target",  // else: a on m2 (tie after z lands on m3)
        snapshot: SchedulingSnapshot(
            machines: [machine("m2"), machine("m3")], units: [unit("a", machineOf: ["z"]), unit("z"), unit("q")],
            placement: ["z": "m1", "a": "m1", "q": "m2"]),
        expected: ["unschedule a m1", "unschedule z m1", "place a m3", "place z m3"]),
    SchedulerCase(
        name: "MachineOf chains",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2"), machine("m3")],
            units: [unit("a", machineOf: ["b"]), unit("b", machineOf: ["c"]), unit("c", machineID: "m3")]),
        expected: ["place a m3", "place b m3", "place c m3"]),
    SchedulerCase(
        name: "a follower whose target is inactive is unscheduled",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1")], units: [unit("f", machineOf: ["t"]), unit("t", .inactive)],
            placement: ["f": "m1", "t": "m1"]),
        expected: ["unschedule f m1", "unschedule t m1"], unplaced: ["f"]),
    SchedulerCase(
        name: "a follower whose target is gone is unscheduled",
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [unit("f", machineOf: ["t"])], placement: ["f": "m1"]),
        expected: ["unschedule f m1"], unplaced: ["f"]),
    SchedulerCase(
        name: "a follower that cannot share its target's machine stays unplaced",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1", ["disk": "hdd"]), machine("m2", ["disk": "ssd"])],
            units: [unit("f", machineOf: ["t"], metadata: ["disk": ["ssd"]]), unit("t", machineID: "m1")]),
        expected: ["place t m1"], unplaced: ["f"]),
    SchedulerCase(
        name: "MachineOf cycles are unplaceable",
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [unit("a", machineOf: ["b"]), unit("b", machineOf: ["a"])]),
        expected: [], unplaced: ["a", "b"]),

    // MachineMetadata.
    SchedulerCase(
        name: "metadata: AND across keys",  // else: m1 (region only) or m3 (disk only)
        snapshot: SchedulingSnapshot(
            machines: [
                machine("m1", ["region": "east", "disk": "hdd"]), machine("m2", ["region": "east", "disk": "ssd"]),
                machine("m3", ["region": "west", "disk": "ssd"]),
            ],
            units: [unit("a", metadata: ["region": ["east"], "disk": ["ssd"]])]),
        expected: ["place a m2"]),
    SchedulerCase(
        name: "metadata: OR among values of one key",  // else: only west (m2) or nothing
        snapshot: SchedulingSnapshot(
            machines: [machine("m1", ["region": "north"]), machine("m2", ["region": "west"]), machine("m3", ["region": "east"])],
            units: [unit("a", metadata: ["region": ["west", "east"]]), unit("q")], placement: ["q": "m2"]),
        expected: ["place a m3"]),
    SchedulerCase(
        name: "metadata nobody has leaves the unit unplaced",
        snapshot: SchedulingSnapshot(machines: [machine("m1", ["region": "east"])], units: [unit("a", metadata: ["region": ["mars"]])]),
        expected: [], unplaced: ["a"]),
    SchedulerCase(
        name: "a machine whose metadata no longer fits loses the unit",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1", ["region": "west"]), machine("m2", ["region": "east"])],
            units: [unit("a", metadata: ["region": ["east"]])], placement: ["a": "m1"]),
        expected: ["unschedule a m1", "place a m2"]),

    // Conflicts.
    SchedulerCase(
        name: "conflicts: the new unit avoids what it names",  // else: m1 (least loaded)
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")],
            units: [unit("a", conflicts: ["b*"]), unit("b1"), unit("q1"), unit("q2")],
            placement: ["b1": "m1", "q1": "m2", "q2": "m2"]),
        expected: ["place a m2"]),
    SchedulerCase(
        name: "conflicts apply in the other direction too",  // else: b1 on m1
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")],
            units: [unit("a", conflicts: ["b*"]), unit("b1"), unit("q1"), unit("q2")],
            placement: ["a": "m1", "q1": "m2", "q2": "m2"]),
        expected: ["place b1 m2"]),
    SchedulerCase(
        name: "several conflict patterns all count",  // else: x1 on m1
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")],
            units: [unit("a", conflicts: ["b*", "x?"]), unit("b1"), unit("x1"), unit("q1"), unit("q2")],
            placement: ["a": "m1", "q1": "m2", "q2": "m2"]),
        expected: ["place b1 m2", "place x1 m2"]),
    SchedulerCase(
        name: "conflicts with a global unit on the machines its metadata admits",  // else: b1 on m1
        snapshot: SchedulingSnapshot(
            machines: [machine("m1", ["region": "east"]), machine("m2", ["region": "west"]), machine("m3", ["region": "east"])],
            units: [
                unit("g", metadata: ["region": ["east"]], conflicts: ["b*"], global: true), unit("b1"), unit("q1"),
            ],
            placement: ["q1": "m2"]),
        expected: ["place b1 m2"]),
    SchedulerCase(
        name: "conflicting units placed together: the later name moves",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")], units: [unit("a", conflicts: ["b*"]), unit("b1")],
            placement: ["a": "m1", "b1": "m1"]),
        expected: ["unschedule b1 m1", "place b1 m2"]),
    SchedulerCase(
        name: "a unit conflicting everywhere stays unplaced",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1")], units: [unit("a", conflicts: ["b*"]), unit("b1")], placement: ["a": "m1"]),
        expected: [], unplaced: ["b1"]),

    // Replaces.
    SchedulerCase(
        name: "the replacing unit takes the machine; the replaced one moves",  // else: r on m2, x stays
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")], units: [unit("x"), unit("r", replaces: ["x"])], placement: ["x": "m1"]),
        expected: ["unschedule x m1", "place r m1", "place x m2"]),
    SchedulerCase(
        name: "a replaced unit with nowhere to go stays unplaced",
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [unit("x"), unit("r", replaces: ["x"])], placement: ["x": "m1"]),
        expected: ["unschedule x m1", "place r m1"], unplaced: ["x"]),
    SchedulerCase(
        name: "a replaced unit never joins its replacer",  // else: x on m1 (least loaded)
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")], units: [unit("x"), unit("r", replaces: ["x"]), unit("q1"), unit("q2")],
            placement: ["r": "m1", "q1": "m2", "q2": "m2"]),
        expected: ["place x m2"]),
    SchedulerCase(
        name: "the replaced unit's followers move with it",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")],
            units: [unit("x"), unit("f", machineOf: ["x"]), unit("r", replaces: ["x"])], placement: ["x": "m1", "f": "m1"]),
        expected: ["unschedule f m1", "unschedule x m1", "place f m2", "place r m1", "place x m2"]),

    SchedulerCase(
        name: "Replaces chains: each replacer takes its place in turn",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2"), machine("m3")],
            units: [unit("x"), unit("r", replaces: ["x"]), unit("q", replaces: ["r"])], placement: ["x": "m1", "r": "m2"]),
        expected: ["unschedule r m2", "unschedule x m1", "place q m2", "place r m1", "place x m3"]),
    SchedulerCase(
        name: "Replaces chains from scratch settle in one pass",
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2"), machine("m3")],
            units: [unit("a"), unit("b", replaces: ["a"]), unit("c", replaces: ["b"])]),
        expected: ["place a m3", "place b m2", "place c m1"]),
    SchedulerCase(
        name: "circular Replaces: nobody takes over, they just keep apart",  // else: endless displacement
        snapshot: SchedulingSnapshot(
            machines: [machine("m1"), machine("m2")],
            units: [unit("p", replaces: ["q"]), unit("q", replaces: ["p"])], placement: ["p": "m1"]),
        expected: ["place q m2"]),

    // Global units.
    SchedulerCase(
        name: "global units are not placed by the engine",
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [unit("g", global: true)]),
        expected: []),
    SchedulerCase(
        name: "a scheduled global unit is unscheduled",
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [unit("g", global: true)], placement: ["g": "m1"]),
        expected: ["unschedule g m1"]),

    // Machines leaving.
    SchedulerCase(
        name: "units of a machine that left are rescheduled",
        snapshot: SchedulingSnapshot(machines: [machine("m1")], units: [unit("a")], placement: ["a": "m9"]),
        expected: ["unschedule a m9", "place a m1"]),
]

@Test(arguments: schedulerTable)
func schedulerTableCase(_ c: SchedulerCase) {
    let plan = Scheduler.plan(c.snapshot)
    #expect(plan.lines == c.expected)
    #expect(plan.unplacedNames == c.unplaced)
}

@Test(arguments: schedulerTable)
func schedulerTableCaseIsStable(_ c: SchedulerCase) {
    let plan = Scheduler.plan(c.snapshot)
    let again = Scheduler.plan(c.snapshot.applying(plan))
    #expect(again.decisions.isEmpty)
    #expect(again.unplacedNames == c.unplaced)
}

@Test func decisionsCarryReasons() {
    let left = Scheduler.plan(SchedulingSnapshot(
        machines: [machine("113f16a7aaaa"), machine("m2"), machine("m3")], units: [unit("a")], placement: ["a": "gone0001xyz"]))
    #expect(left.reason(.unschedule, "a") == "machine gone0001 left the cluster")
    #expect(left.reason(.place, "a") == "least loaded of 3 machines")

    let md = Scheduler.plan(SchedulingSnapshot(
        machines: [machine("m1", ["r": "e"]), machine("m2", ["r": "e"]), machine("m3")],
        units: [unit("a", metadata: ["r": ["e"]])]))
    #expect(md.reason(.place, "a") == "least loaded of 2 machines satisfying its MachineMetadata")

    let inactive = Scheduler.plan(SchedulingSnapshot(machines: [machine("m1")], units: [unit("a", .inactive)], placement: ["a": "m1"]))
    #expect(inactive.reason(.unschedule, "a") == "desired state is inactive")

    let replaced = Scheduler.plan(SchedulingSnapshot(
        machines: [machine("m1"), machine("m2")], units: [unit("x"), unit("r", replaces: ["x"])], placement: ["x": "m1"]))
    #expect(replaced.reason(.unschedule, "x") == "replaced by r")
    #expect(replaced.reason(.place, "r") == "takes the machine of x, which it replaces")

    let follower = Scheduler.plan(SchedulingSnapshot(machines: [machine("m1")], units: [unit("t"), unit("f", machineOf: ["t"])]))
    #expect(follower.reason(.place, "f") == "follows its MachineOf target t")

    let conflict = Scheduler.plan(SchedulingSnapshot(
        machines: [machine("m1"), machine("m2")], units: [unit("a", conflicts: ["b*"]), unit("b1")], placement: ["a": "m1", "b1": "m1"]))
    #expect(conflict.reason(.unschedule, "b1") == "conflicts with a scheduled there")
}

@Test func unplacedUnitsSayWhy() {
    let plan = Scheduler.plan(SchedulingSnapshot(
        machines: [machine("m1", ["region": "east"])],
        units: [
            unit("id", machineID: "m9"), unit("md", metadata: ["region": ["mars"]]),
            unit("f", machineOf: ["t"]), unit("t", .inactive),
            unit("c1", machineOf: ["c2"]), unit("c2", machineOf: ["c1"]),
            unit("a", conflicts: ["b*"]), unit("b1"),
        ],
        placement: ["a": "m1"]))
    let reasons = Dictionary(uniqueKeysWithValues: plan.unplaced.map { ($0.unit, $0.reason) })
    #expect(reasons["id"] == "MachineID m9 is not in the cluster")
    #expect(reasons["md"] == "no machine satisfies its MachineMetadata")
    #expect(reasons["f"] == "MachineOf target t is inactive")
    #expect(reasons["c1"] == "circular MachineOf through c2")
    #expect(reasons["b1"] == "all 1 machines are ruled out by Conflicts or Replaces")
    let empty = Scheduler.plan(SchedulingSnapshot(machines: [], units: [unit("a")]))
    #expect(empty.unplaced == [UnplacedUnit(unit: "a", reason: "no machine in the cluster")])
}

@Test func decisionsAreUnschedulesThenPlacementsEachSortedByName() {
    let plan = Scheduler.plan(SchedulingSnapshot(
        machines: [machine("m1")], units: [unit("d"), unit("c"), unit("b", .inactive), unit("a", .inactive)],
        placement: ["b": "m1", "a": "m1"]))
    #expect(plan.lines == ["unschedule a m1", "unschedule b m1", "place c m1", "place d m1"])
}

// MARK: Global eligibility (used by agents)

@Test func globalEligibilityFollowsMetadataAndConflicts() {
    let snapshot = SchedulingSnapshot(
        machines: [machine("m1", ["region": "east"]), machine("m2", ["region": "west"]), machine("m3", ["region": "east"])],
        units: [
            unit("g", metadata: ["region": ["east"]], conflicts: ["a*"], global: true),
            unit("a1"), unit("b1", conflicts: ["g"]),
        ],
        placement: ["a1": "m1", "b1": "m3"])
    #expect(Scheduler.globalEligibility(of: "g", on: "m1", in: snapshot) == .ineligible(.conflict("a1")))
    #expect(Scheduler.globalEligibility(of: "g", on: "m2", in: snapshot) == .ineligible(.metadata(key: "region")))
    #expect(Scheduler.globalEligibility(of: "g", on: "m3", in: snapshot) == .ineligible(.conflict("b1")))
    var free = snapshot
    free.placement = [:]
    #expect(Scheduler.globalEligibility(of: "g", on: "m1", in: free) == .eligible)
}

@Test func globalUnitsConflictingWithEachOtherLetTheFirstNameRun() {
    let snapshot = SchedulingSnapshot(
        machines: [machine("m1", ["role": "edge"]), machine("m2")],
        units: [
            unit("g1", metadata: ["role": ["edge"]], global: true),
            unit("g2", conflicts: ["g1"], global: true),
        ])
    #expect(Scheduler.globalEligibility(of: "g1", on: "m1", in: snapshot) == .eligible)
    #expect(Scheduler.globalEligibility(of: "g2", on: "m1", in: snapshot) == .ineligible(.globalConflict("g1")))
    #expect(Scheduler.globalEligibility(of: "g2", on: "m2", in: snapshot) == .eligible)
}

@Test func globalEligibilityRejectsQuestionsThatDoNotApply() {
    let snapshot = SchedulingSnapshot(
        machines: [machine("m1")], units: [unit("g", .inactive, global: true), unit("a")])
    #expect(!Scheduler.globalEligibility(of: "g", on: "m1", in: snapshot).isEligible)
    #expect(!Scheduler.globalEligibility(of: "a", on: "m1", in: snapshot).isEligible)
    #expect(!Scheduler.globalEligibility(of: "nope", on: "m1", in: snapshot).isEligible)
    var active = snapshot
    active.units["g"]!.desiredState = .launched
    #expect(!Scheduler.globalEligibility(of: "g", on: "m9", in: active).isEligible)
    #expect(Scheduler.globalEligibility(of: "g", on: "m1", in: active).isEligible)
}

// MARK: Incremental entry point

@Test func incrementalDecidesOnlyWhatTheChangeAffects() {
    let snapshot = SchedulingSnapshot(
        machines: [machine("m1", ["disk": "ssd"]), machine("m2", ["disk": "hdd"])],
        units: [unit("a"), unit("b"), unit("t"), unit("f", machineOf: ["t"]), unit("s", metadata: ["disk": ["ssd"]])])
    var scheduler = Scheduler(snapshot)
    #expect(scheduler.reconcile().lines == ["place a m1", "place b m2", "place f m2", "place s m1", "place t m2"])

    #expect(scheduler.apply(.unitUpdated(unit("c"))).lines == ["place c m1"])
    #expect(scheduler.apply(.unitUpdated(unit("c", .loaded))).lines == [])
    #expect(scheduler.apply(.unitUpdated(unit("c", .inactive))).lines == ["unschedule c m1"])

    let left = scheduler.apply(.machineLeft("m2"))
    #expect(left.lines == [
        "unschedule b m2", "unschedule f m2", "unschedule t m2", "place b m1", "place f m1", "place t m1",
    ])
    #expect(left.reason(.unschedule, "t") == "machine m2 left the cluster")

    let md = scheduler.apply(.machineUpdated(machine("m1", ["disk": "nvme"])))
    #expect(md.lines == ["unschedule s m1"])
    #expect(md.unplaced == [UnplacedUnit(unit: "s", reason: "no machine satisfies its MachineMetadata")])

    let gone = scheduler.apply(.unitRemoved("t"))
    #expect(gone.lines == ["unschedule f m1", "unschedule t m1"])
    #expect(gone.reason(.unschedule, "t") == "unit no longer exists")
    #expect(scheduler.unplacedUnits == [
        UnplacedUnit(unit: "f", reason: "MachineOf target t is not in the cluster"),
        UnplacedUnit(unit: "s", reason: "no machine satisfies its MachineMetadata"),
    ])
    #expect(scheduler.apply(.machineUpdated(machine("m3", ["disk": "ssd"]))).lines == ["place s m3"])
}
