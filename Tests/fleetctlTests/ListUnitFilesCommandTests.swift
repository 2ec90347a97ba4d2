import FleetCore
import Testing
@testable import fleetctl

@Suite struct ListUnitFilesCommandTests {
    @Test func defaultColumnsGlobalTargetsAndDashes() async throws {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.3")
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("hello.service", on: TestCluster.m1, .launched)
        try await cluster.submit("agent.service", TestCluster.global, desiredState: "launched")
        try await cluster.submit("idle.service", TestCluster.hello)
        let hash = try UnitFile(parsing: TestCluster.hello).hash.hex
        let globalHash = try UnitFile(parsing: TestCluster.global).hash.hex
        let result = await cluster.run("list-unit-files")
        #expect(result.status == 0)
        #expect(result.stdout == """
            UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET
            agent.service\t\(globalHash.prefix(7))\tlaunched\t-\t\tglobal
            hello.service\t\(hash.prefix(7))\tlaunched\tlaunched\t113f16a7.../10.0.0.3
            idle.service\t\(hash.prefix(7))\tinactive\tinactive\t-

            """)
        let full = await cluster.run("list-unit-files", "--full", "--no-legend", "--fields=unit,hash,global,desc,target")
        #expect(full.stdout == """
            agent.service\t\(globalHash)\ttrue\t-\t\tglobal
            hello.service\t\(hash)\tfalse\tHello World\t\(TestCluster.m1)/10.0.0.3
            idle.service\t\(hash)\tfalse\tHello World\t-

            """)
    }

    @Test func tmachineStillWorksWithAWarning() async throws {
        let cluster = TestCluster()
        try await cluster.submit("idle.service", TestCluster.hello)
        let result = await cluster.run("list-unit-files", "--fields=unit,tmachine")
        #expect(result.status == 0)
        #expect(result.stderr == "WARNING: The \"tmachine\" field is deprecated. Use \"target\" instead\n")
        #expect(result.stdout == "UNIT\t\tTMACHINE\nidle.service\t-\n")
    }

    @Test func unknownField() async {
        let result = await TestCluster().run("list-unit-files", "--fields=unit,machine")
        #expect(result.status == 1)
        #expect(result.stderr == "Invalid key in output format: \"machine\"\n")
    }
}
