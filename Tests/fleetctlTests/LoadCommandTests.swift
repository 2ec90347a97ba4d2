import FleetCore
import Testing
@testable import fleetctl

@Suite struct LoadCommandTests {
    @Test func loadsAndWaitsForLoaded() async throws {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m2, ip: "10.0.0.4")
        try await cluster.submit("hello.service", TestCluster.hello)
        cluster.atNextWait { try await $0.report("hello.service", on: TestCluster.m2, .loaded) }
        let result = await cluster.run("load", "hello.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Unit hello.service loaded on 2c9e1f0b.../10.0.0.4\n")
        #expect(try await cluster.client.unit("hello.service")?.desiredState == "loaded")
    }

    @Test func noBlockAndGlobal() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello)
        try await cluster.submit("agent.service", TestCluster.global)
        let result = await cluster.run("load", "--no-block", "hello.service", "agent.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Triggered unit hello.service load\nTriggered global unit agent.service load\n")
    }

    @Test func loadReplacesALoadedUnitButNotALaunchedOne() async throws {
        let cluster = TestCluster()
        try await cluster.submit("a.service", TestCluster.global, desiredState: "loaded")
        try await cluster.submit("b.service", TestCluster.global, desiredState: "launched")
        try cluster.write("a.service", TestCluster.hello)
        try cluster.write("b.service", TestCluster.hello)
        let result = await cluster.run("load", "--no-block", "--replace", "a.service", "b.service")
        #expect(result.stderr == "Warning: can not replace Unit(b.service) in state 'launched', use the appropriate command\n")
        #expect(try await cluster.client.unit("a.service")?.options == (try UnitFile(parsing: TestCluster.hello)).options)
        #expect(try await cluster.client.unit("b.service")?.options == (try UnitFile(parsing: TestCluster.global)).options)
        // b is launched, so load moves it back to loaded (a global unit: triggered, no wait).
        #expect(result.stdout == "Triggered global unit b.service load\n")
    }
}
