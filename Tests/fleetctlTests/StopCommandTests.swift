import FleetCore
import Testing
@testable import fleetctl

@Suite struct StopCommandTests {
    @Test func stopsALaunchedUnitAndWaits() async throws {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.3")
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("hello.service", on: TestCluster.m1, .launched)
        cluster.atNextWait { try await $0.report("hello.service", on: TestCluster.m1, .loaded) }
        let result = await cluster.run("stop", "hello.service", "unknown.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Unit hello.service loaded on 113f16a7.../10.0.0.3\n")
        #expect(try await cluster.client.unit("hello.service")?.desiredState == "loaded")
    }

    @Test func anInactiveUnitCannotBeStopped() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello)
        let result = await cluster.run("stop", "hello.service")
        #expect(result.status == 1)
        #expect(result.stderr == "Unable to stop unit hello.service in state inactive\n")
    }

    @Test func loadedUnitsAreSkippedAndGlobalsTriggered() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "loaded")
        try await cluster.report("hello.service", on: TestCluster.m1, .loaded)
        try await cluster.submit("agent.service", TestCluster.global, desiredState: "launched")
        let result = await cluster.run("stop", "hello.service", "agent.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Triggered global unit agent.service stop\n")
        #expect(try await cluster.client.unit("agent.service")?.desiredState == "loaded")
    }

    @Test func noBlock() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("hello.service", on: TestCluster.m1, .launched)
        let result = await cluster.run("stop", "--no-block", "hello.service")
        #expect(result.stdout == "Triggered unit hello.service stop\n")
    }
}
