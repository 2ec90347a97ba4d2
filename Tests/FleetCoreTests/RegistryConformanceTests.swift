import Testing
@testable import FleetCore

/// One suite, every store: the in-memory registry must behave as the etcd one does.
@Suite struct RegistryConformanceTests {
    static let hello = UnitRecord(
        name: "hello.service",
        options: [UnitOption(section: "Service", name: "ExecStart", value: "/bin/true")],
        hash: String(repeating: "a", count: 40),
        global: false
    )

    static func global(_ name: String) -> UnitRecord {
        UnitRecord(name: name, options: [UnitOption(section: "X-Fleet", name: "Global", value: "true")],
                   hash: String(repeating: "b", count: 40), global: true)
    }

    func eachStore(_ body: (Registry, any StoreFixture) async throws -> Void) async throws {
        for fixture in try await StoreFixtures.all() {
            let registry = Registry(store: fixture.store, keys: RegistryKeyspace(prefix: "/test-\(UInt32.random(in: 0...UInt32.max))/"))
            do {
                try await body(registry, fixture)
            } catch {
                Issue.record("\(fixture.name): \(error)")
                await fixture.tearDown()
                throw error
            }
            await fixture.tearDown()
        }
    }

    @Test func createUnitOnceThenRefuse() async throws {
        try await eachStore { registry, _ async throws in
            #expect(try await registry.createUnit(Self.hello, desiredState: .launched))
            #expect(try await registry.createUnit(Self.hello, desiredState: .loaded) == false)
            #expect(try await registry.unit("hello.service") == Self.hello)
            #expect(try await registry.desiredState("hello.service")?.state == .launched)
            #expect(try await registry.unit("other.service") == nil)
        }
    }

    @Test func manyUnitsAreReadByNameInFewRequests() async throws {
        try await eachStore { registry, _ async throws in
            let small = Registry(store: registry.store, keys: registry.keys, maxOperationsPerTransaction: 3)
            for i in 0..<7 {
                var unit = Self.hello
                unit.name = "u\(i).service"
                try await small.createUnit(unit, desiredState: .launched)
            }
            let names = ["u6.service", "missing.service", "u0.service", "u3.service", "u1.service", "u2.service", "u4.service"]
            #expect(try await small.units(named: names).map(\.name)
                == ["u6.service", "u0.service", "u3.service", "u1.service", "u2.service", "u4.service"])
        }
    }

    @Test func unitsArePagedInNameOrder() async throws {
        try await eachStore { registry, _ async throws in
            for name in ["c.service", "a.service", "b.service", "d.service", "e.service"] {
                var unit = Self.hello
                unit.name = name
                try await registry.createUnit(unit, desiredState: .inactive)
            }
            let first = try await registry.units(limit: 2)
            #expect(first.units.map(\.name) == ["a.service", "b.service"])
            #expect(first.more)
            let second = try await registry.units(after: "b.service", limit: 2)
            #expect(second.units.map(\.name) == ["c.service", "d.service"])
            let last = try await registry.units(after: "d.service", limit: 2)
            #expect(last.units.map(\.name) == ["e.service"])
            #expect(last.more == false)
        }
    }

    @Test func desiredStateChangesOnlyExistingUnitsAndMirrorsGlobals() async throws {
        try await eachStore { registry, _ async throws in
            #expect(try await registry.setDesiredState("ghost.service", to: .launched) == false)
            #expect(try await registry.desiredState("ghost.service") == nil)
            try await registry.createUnit(Self.hello, desiredState: .inactive)
            try await registry.createUnit(Self.global("g.service"), desiredState: .loaded)
            #expect(try await registry.setDesiredState("hello.service", to: .launched))
            #expect(try await registry.setDesiredState("g.service", to: .launched))
            #expect(try await registry.desiredStates().mapValues(\.state) == ["hello.service": .launched, "g.service": .launched])
            #expect(try await registry.globalUnits().mapValues(\.state) == ["g.service": .launched])
        }
    }

    @Test func destroyRemovesEverythingOfTheUnit() async throws {
        try await eachStore { registry, _ async throws in
            #expect(try await registry.destroyUnit("hello.service") == false)
            try await registry.createUnit(Self.global("g.service"), desiredState: .launched)
            #expect(try await registry.destroyUnit("g.service"))
            #expect(try await registry.unit("g.service") == nil)
            #expect(try await registry.desiredStates().isEmpty)
            #expect(try await registry.globalUnits().isEmpty)
        }
    }

    @Test func scheduleChangesAreBatchedWithinTransactionLimits() async throws {
        try await eachStore { registry, _ async throws in
            let small = Registry(store: registry.store, keys: registry.keys, maxOperationsPerTransaction: 128)
            let changes = (0..<300).map { i in
                ScheduleChange.assign(unit: "u\(i).service", machine: i.isMultiple(of: 2) ? "m1" : "m2",
                                      ScheduleRecord(state: .launched, hash: "h"))
            }
            #expect(try await small.applySchedule(changes, fence: nil) == 3)
            #expect(try await small.schedule(machine: "m1").count == 150)
            #expect(try await small.schedules().count == 300)
            try await small.applySchedule([.unassign(unit: "u0.service", machine: "m1")], fence: nil)
            #expect(try await small.schedule(machine: "m1")["u0.service"] == nil)
            #expect(try await small.schedules()["u1.service"]?.machine == "m2")
        }
    }

    @Test func exactlyOneLeaderAndADeposedLeaderCannotWrite() async throws {
        try await eachStore { registry, fixture async throws in
            // Long enough that a loaded machine (tests share 2 cores with etcd processes) does
            // not let it expire before A's first write.
            let leaseA = try await registry.store.grantLease(ttl: .seconds(5))
            let leaseB = try await registry.store.grantLease(ttl: .seconds(30))
            let fenceA = try #require(try await registry.campaign(machineID: "A", lease: leaseA))
            #expect(try await registry.campaign(machineID: "B", lease: leaseB) == nil)
            #expect(try await registry.campaign(machineID: "A", lease: leaseA) == fenceA)
            #expect(try await registry.leader()?.machineID == "A")
            let assign = ScheduleChange.assign(unit: "x.service", machine: "m", ScheduleRecord(state: .loaded, hash: "h"))
            #expect(try await registry.applySchedule([assign], fence: fenceA) == 1)

            // A stops renewing: its lease expires, B takes over, and A's writes are refused.
            _ = try await registry.store.keepAlive(lease: leaseB)
            try await fixture.letLeaseExpire(leaseA, ttl: .seconds(5))
            _ = try await registry.store.keepAlive(lease: leaseB)
            #expect(try await registry.leader() == nil)
            let fenceB = try #require(try await registry.campaign(machineID: "B", lease: leaseB))
            #expect(try await registry.stillLeads(fenceA) == false)
            await #expect(throws: RegistryError.notLeader) {
                try await registry.applySchedule([.unassign(unit: "x.service", machine: "m")], fence: fenceA)
            }
            #expect(try await registry.schedule(machine: "m")["x.service"] != nil)
            #expect(try await registry.resign(fenceA) == false)
            #expect(try await registry.resign(fenceB))
            #expect(try await registry.leader() == nil)
        }
    }

    @Test func writingUnderADeadLeaseIsLeaseNotFoundFromEveryStore() async throws {
        try await eachStore { registry, _ async throws in
            let lease = try await registry.store.grantLease(ttl: .seconds(30))
            try await registry.store.revokeLease(lease)
            do {
                try await registry.registerMachine(MachineState(id: "m1"), lease: lease)
                Issue.record("a put on a revoked lease succeeded")
            } catch let error as KeyValueStoreError {
                #expect(error.code == .leaseNotFound)
            }
            do {
                _ = try await registry.store.keepAlive(lease: lease)
                Issue.record("keepalive of a revoked lease succeeded")
            } catch let error as KeyValueStoreError {
                #expect(error.code == .leaseNotFound)
            }
        }
    }

    @Test func observersSeeEveryLeaderChange() async throws {
        try await eachStore { registry, _ async throws in
            var observed = registry.observeLeader().makeAsyncIterator()
            #expect(try await observed.next() == .some(nil))
            let leaseA = try await registry.store.grantLease(ttl: .seconds(30))
            let fenceA = try #require(try await registry.campaign(machineID: "A", lease: leaseA))
            #expect(try await observed.next()??.machineID == "A")
            try await registry.resign(fenceA)
            #expect(try await observed.next() == .some(nil))
            let leaseB = try await registry.store.grantLease(ttl: .seconds(30))
            _ = try await registry.campaign(machineID: "B", lease: leaseB)
            #expect(try await observed.next()??.machineID == "B")
        }
    }

    @Test func leaseExpiryRemovesMachineAndItsStatesButKeepsOverrides() async throws {
        try await eachStore { registry, fixture async throws in
            // 5 s: the writes below must land before it expires, also on a loaded machine.
            let lease = try await registry.store.grantLease(ttl: .seconds(5))
            let machine = MachineState(id: "m1", publicIP: "10.0.0.1", metadata: ["region": "east", "disk": "ssd"])
            try await registry.registerMachine(machine, lease: lease)
            try await registry.setMetadataOverrides(MetadataOverrideRecord(set: ["region": "west"], removed: ["disk"]), machine: "m1")
            try await registry.publishState(UnitStateRecord(hash: "h", loadState: "loaded", activeState: "active", subState: "running"),
                                            unit: "hello.service", machine: "m1", lease: lease)
            #expect(try await registry.machines() == [MachineState(id: "m1", publicIP: "10.0.0.1", metadata: ["region": "west"])])
            #expect(try await registry.states(unit: "hello.service").states.map(\.machineID) == ["m1"])

            try await fixture.letLeaseExpire(lease, ttl: .seconds(5))
            #expect(try await registry.machines().isEmpty)
            #expect(try await registry.states().states.isEmpty)

            // The machine rejoins: its API overrides still apply.
            let again = try await registry.store.grantLease(ttl: .seconds(30))
            try await registry.registerMachine(machine, lease: again)
            #expect(try await registry.machines().first?.metadata == ["region": "west"])
            try await registry.store.revokeLease(again)
            #expect(try await registry.machines().isEmpty)
        }
    }

    @Test func undecodableRecordsAreSkipped() async throws {
        try await eachStore { registry, _ async throws in
            try await registry.createUnit(Self.hello, desiredState: .loaded)
            try await registry.store.put(registry.keys.unit("bad.service"), Array("{not json".utf8))
            #expect(try await registry.units().units.map(\.name) == ["hello.service"])
            #expect(try await registry.unit("bad.service") == nil)
        }
    }

    @Test func watchDeliversChangesWithPreviousValuesAndReplaysFromARevision() async throws {
        try await eachStore { registry, _ async throws in
            let store = registry.store
            let key = registry.keys.root + "w/a"
            let start = try await store.put(key, [1])
            try await store.put(key, [2])
            try await store.delete(key)
            var iterator = store.watch(prefix: registry.keys.root + "w/", startRevision: start).makeAsyncIterator()
            var events: [WatchEvent] = []
            while events.count < 3, let update = try await iterator.next() {
                guard case .events(let batch) = update else { Issue.record("unexpected \(update)"); return }
                events += batch
            }
            #expect(events.count == 3)
            guard events.count == 3 else { return }
            if case .put(let kv, let previous) = events[1] {
                #expect(kv.value == [2])
                #expect(previous?.value == [1])
            } else { Issue.record("expected a put, got \(events[1])") }
            if case .delete(let deleted, _, let previous) = events[2] {
                #expect(deleted == key)
                #expect(previous?.value == [2])
            } else { Issue.record("expected a delete, got \(events[2])") }
        }
    }

    @Test func transactionComparisons() async throws {
        try await eachStore { registry, _ async throws in
            let store = registry.store
            let key = registry.keys.root + "t"
            #expect(try await store.txn([.absent(key)], success: [.put(key, [7], lease: 0)], failure: []).succeeded)
            #expect(try await store.txn([.absent(key)], success: [.put(key, [8], lease: 0)], failure: []).succeeded == false)
            let kv = try #require(try await store.get(key))
            #expect(kv.value == [7])
            #expect(kv.version == 1)
            #expect(try await store.txn([KVCompare(key: key, .equal, .value([7]))], success: [], failure: []).succeeded)
            #expect(try await store.txn([KVCompare(key: key, .equal, .modRevision(kv.modRevision))],
                                        success: [.put(key, [9], lease: 0)], failure: []).succeeded)
            #expect(try await store.txn([KVCompare(key: key, .equal, .modRevision(kv.modRevision))],
                                        success: [.put(key, [10], lease: 0)], failure: [.range(key, prefix: false)]).ranges.first?.first?.value == [9])
            #expect(try await store.get(key)?.version == 2)
            #expect(try await store.txn([KVCompare(key: key, .greater, .version(1))], success: [], failure: []).succeeded)
            #expect(try await store.txn([KVCompare(key: key, .equal, .lease(0))], success: [], failure: []).succeeded)
        }
    }

    @Test func leaseExpiryIsSeenByWatchers() async throws {
        try await eachStore { registry, fixture async throws in
            let lease = try await registry.store.grantLease(ttl: .seconds(2))
            let revision = try await registry.store.put(registry.keys.machine("m9"), [1], lease: lease)
            try await fixture.letLeaseExpire(lease, ttl: .seconds(2))
            var iterator = registry.store.watch(prefix: registry.keys.machines, startRevision: revision + 1).makeAsyncIterator()
            let update = try await iterator.next()
            guard case .events(let events) = update, case .delete(let key, _, _) = events.first else {
                Issue.record("expected a delete event, got \(String(describing: update))")
                return
            }
            #expect(key == registry.keys.machine("m9"))
        }
    }

    @Test func unitPagesCarryDesiredAndReportedStatesOfTheirUnitsOnly() async throws {
        try await eachStore { registry, _ async throws in
            for name in ["a.service", "b.service", "c.service"] {
                var unit = Self.hello
                unit.name = name
                try await registry.createUnit(unit, desiredState: .launched)
            }
            let lease = try await registry.store.grantLease(ttl: .seconds(30))
            let running = UnitStateRecord(hash: "h", loadState: "loaded", activeState: "active", subState: "running", jobState: .launched)
            for (unit, machine) in [("a.service", "m1"), ("b.service", "m2"), ("c.service", "m1"), ("bb.service", "m3")] {
                try await registry.publishState(running, unit: unit, machine: machine, lease: lease)
            }
            let page = try await registry.unitPage(after: "a.service", limit: 2)
            #expect(page.more == false)
            #expect(page.entries.map(\.unit.name) == ["b.service", "c.service"])
            #expect(page.entries.map { $0.states.map(\.machineID) } == [["m2"], ["m1"]])
            #expect(page.entries.allSatisfy { $0.desired?.state == .launched })
            let states = try await registry.states(after: ("a.service", "m1"), limit: 2)
            #expect(states.states.map(\.unit) == ["b.service", "bb.service"])
            #expect(states.more)
        }
    }
}
