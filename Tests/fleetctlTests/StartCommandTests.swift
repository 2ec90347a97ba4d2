import FleetCore
import Foundation
import Testing
@testable import fleetctl

@Suite struct StartCommandTests {
    @Test func submitsLaunchesAndWaitsUntilTheAgentReports() async throws {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.3")
        try cluster.write("hello.service", TestCluster.hello)
        // Nothing at the first wait, then the agent reports the unit launched.
        cluster.atNextWait { _ in }
        cluster.atNextWait { try await $0.report("hello.service", on: TestCluster.m1, .launched) }
        let result = await cluster.run("start", "hello.service")
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == "Unit hello.service inactive\nUnit hello.service launched on 113f16a7.../10.0.0.3\n")
        #expect(cluster.sleepCount == 2)
        #expect(try await cluster.client.unit("hello.service")?.desiredState == "launched")
    }

    @Test func noBlockOnlyTriggers() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello)
        let result = await cluster.run("start", "--no-block", "hello.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Triggered unit hello.service start\n")
        #expect(cluster.sleepCount == 0)
    }

    @Test func globalUnitsNeverBlock() async throws {
        let cluster = TestCluster()
        try await cluster.submit("agent.service", TestCluster.global)
        let result = await cluster.run("start", "--block-attempts=1", "agent.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Triggered global unit agent.service start\n")
        #expect(cluster.sleepCount == 0)
    }

    @Test func blockAttemptsLimitTheWait() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello)
        let result = await cluster.run("start", "--block-attempts=3", "hello.service")
        #expect(result.status == 1)
        #expect(result.stderr == "Error waiting for units: timed out waiting for unit hello.service to report state launched\n")
        // Three attempts of five polls each: fifteen polls, fourteen 100 ms waits between them.
        #expect(cluster.sleepCount == 14)
    }

    @Test func anAlreadyLaunchedUnitIsSkippedSilently() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        let result = await cluster.run("start", "hello.service")
        #expect(result.status == 0)
        #expect(result.stdout == "")
        #expect(cluster.sleepCount == 0)
    }

    @Test func replaceOfALaunchedUnitStopsReplacesAndStartsIt() async throws {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.3")
        try await cluster.submit("hello.service", TestCluster.global.replacingOccurrences(of: "Global=true", with: "MachineID=\(TestCluster.m1)"), desiredState: "launched")
        try await cluster.report("hello.service", on: TestCluster.m1, .launched)
        try cluster.write("hello.service", TestCluster.hello)
        cluster.atNextWait { cluster in
            // The old contents are stopped before the new ones are stored.
            #expect(try await cluster.client.unit("hello.service")?.desiredState == "loaded")
            #expect(try await cluster.client.unit("hello.service")?.options != (try UnitFile(parsing: TestCluster.hello)).options)
            try await cluster.report("hello.service", on: TestCluster.m1, .loaded)
        }
        cluster.atNextWait { try await $0.report("hello.service", on: TestCluster.m1, .launched) }
        let result = await cluster.run("start", "--replace", "hello.service")
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == "Unit hello.service loaded on 113f16a7.../10.0.0.3\nUnit hello.service launched on 113f16a7.../10.0.0.3\n")
        let unit = try #require(try await cluster.client.unit("hello.service"))
        #expect(unit.options == (try UnitFile(parsing: TestCluster.hello)).options)
        #expect(unit.desiredState == "launched")
    }

    @Test func missingUnitsFailBeforeAnythingChanges() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello)
        let result = await cluster.run("start", "hello.service", "nope.service")
        #expect(result.status == 1)
        #expect(result.stderr == "Error creating units: unable to find Unit(nope.service) in Registry or on filesystem\n")
        #expect(try await cluster.client.unit("hello.service")?.desiredState == "inactive")
    }
}

@Suite struct StartCommandWaitingTests {
    @Test func aUnitDestroyedWhileWaitingIsReported() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello)
        cluster.atNextWait { try await $0.client.destroyUnit("hello.service") }
        let result = await cluster.run("start", "--block-attempts=2", "hello.service")
        #expect(result.status == 1)
        #expect(result.stderr == "Unit hello.service not found\nError waiting for units: timed out waiting for unit hello.service to report state launched\n")
    }
}
