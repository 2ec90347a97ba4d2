import FleetCore
import Testing
@testable import fleetctl

@Suite struct DestroyCommandTests {
    @Test func destroysNamedUnitsAndIgnoresUnknownOnes() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        try await cluster.submit("web@1.service", TestCluster.hello)
        let result = await cluster.run("destroy", "hello", "web@1.service", "nope.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Destroyed hello.service\nDestroyed web@1.service\n")
        #expect(try await cluster.client.units().isEmpty)
    }

    @Test func nothingToDestroy() async {
        let none = await TestCluster().run("destroy", "nope.service")
        #expect(none.status == 0)
        #expect(none.stderr == "Units not found in registry\n")
        let empty = await TestCluster().run("destroy")
        #expect(empty.stderr == "No units given\n")
    }
}
