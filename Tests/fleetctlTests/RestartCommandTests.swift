import FleetCore
import Testing
@testable import fleetctl

@Suite struct RestartCommandTests {
    @Test func restartsOneUnitAtATime() async throws {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.3")
        for name in ["a.service", "b.service"] {
            try await cluster.submit(name, TestCluster.hello, desiredState: "launched")
            try await cluster.report(name, on: TestCluster.m1, .launched)
        }
        cluster.atNextWait { cluster in
            // While a is stopping, b has not been touched.
            #expect(try await cluster.client.unit("b.service")?.desiredState == "launched")
            try await cluster.report("a.service", on: TestCluster.m1, .loaded)
        }
        cluster.atNextWait { try await $0.report("a.service", on: TestCluster.m1, .launched) }
        cluster.atNextWait { try await $0.report("b.service", on: TestCluster.m1, .loaded) }
        cluster.atNextWait { try await $0.report("b.service", on: TestCluster.m1, .launched) }
        let result = await cluster.run("restart", "a.service", "b.service")
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == """
            Unit a.service loaded on 113f16a7.../10.0.0.3
            Unit a.service launched on 113f16a7.../10.0.0.3
            Unit b.service loaded on 113f16a7.../10.0.0.3
            Unit b.service launched on 113f16a7.../10.0.0.3

            """)
        #expect(cluster.sleepCount == 4)
    }

    @Test func aLoadedUnitIsStartedAndAnInactiveOneRefused() async throws {
        let cluster = TestCluster()
        try await cluster.submit("idle.service", TestCluster.hello)
        try await cluster.submit("ready.service", TestCluster.hello, desiredState: "loaded")
        try await cluster.report("ready.service", on: TestCluster.m1, .loaded)
        cluster.atNextWait { try await $0.report("ready.service", on: TestCluster.m1, .launched) }
        let result = await cluster.run("restart", "idle.service", "ready.service")
        #expect(result.status == 0)
        #expect(result.stderr == "Unable to restart unit idle.service in state inactive\n")
        // m1 is not registered, so no machine legend.
        #expect(result.stdout == "Unit ready.service launched\n")
    }

    @Test func waitingGivesUpAfterBlockAttempts() async throws {
        let cluster = TestCluster()
        try await cluster.submit("a.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("a.service", on: TestCluster.m1, .launched)
        let result = await cluster.run("restart", "--block-attempts=2", "a.service")
        #expect(result.status == 1)
        #expect(result.stderr == "Error waiting for unit states, exit status: timed out waiting for unit a.service to report state loaded\n")
    }
}
