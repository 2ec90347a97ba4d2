import FleetCore
import Testing
@testable import fleetctl

@Suite struct UnloadCommandTests {
    @Test func unloadsAndWaitsForInactive() async throws {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.3")
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "loaded")
        try await cluster.report("hello.service", on: TestCluster.m1, .loaded)
        cluster.atNextWait { try await $0.report("hello.service", on: TestCluster.m1, nil) }
        let result = await cluster.run("unload", "hello.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Unit hello.service inactive\n")
        #expect(try await cluster.client.unit("hello.service")?.desiredState == "inactive")
    }

    @Test func inactiveUnitsAreSkippedGlobalsTriggeredMissingIgnored() async throws {
        let cluster = TestCluster()
        try await cluster.submit("idle.service", TestCluster.hello)
        try await cluster.submit("agent.service", TestCluster.global, desiredState: "launched")
        let result = await cluster.run("unload", "idle.service", "agent.service", "nope.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Triggered global unit agent.service unload\n")
        #expect(try await cluster.client.unit("agent.service")?.desiredState == "inactive")
    }

    @Test func noBlock() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        let result = await cluster.run("unload", "--no-block", "hello.service")
        #expect(result.stdout == "Triggered unit hello.service unload\n")
    }
}
