import FleetCore
import Testing
@testable import fleetctl

@Suite struct ListUnitsCommandTests {
    func seeded() async throws -> TestCluster {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.3")
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("hello.service", on: TestCluster.m1, .launched, hash: "0123456789abcdef0123456789abcdef01234567")
        try await cluster.submit("web@1.service", TestCluster.hello, desiredState: "loaded")
        // A machine that left: no IP known.
        try await cluster.report("web@1.service", on: TestCluster.m2, .loaded, active: "inactive", sub: "dead")
        try await cluster.submit("z.service", TestCluster.hello)
        try await cluster.report("z.service", on: TestCluster.m1, nil, load: "", active: "", sub: "")
        return cluster
    }

    @Test func defaultColumnsWithEllipsizedMachines() async throws {
        let result = try await seeded().run("list-units")
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == """
            UNIT\t\tMACHINE\t\t\tACTIVE\t\tSUB
            hello.service\t113f16a7.../10.0.0.3\tactive\t\trunning
            web@1.service\t2c9e1f0b...\t\tinactive\tdead
            z.service\t113f16a7.../10.0.0.3\t-\t\t-

            """)
    }

    @Test func fullNoLegendAndChosenFields() async throws {
        let cluster = try await seeded()
        let result = await cluster.run("list-units", "-l", "--no-legend", "--fields=unit,hash,load,machine")
        #expect(result.status == 0)
        #expect(result.stdout == """
            hello.service\t0123456789abcdef0123456789abcdef01234567\tloaded\t\(TestCluster.m1)/10.0.0.3
            web@1.service\t-\t\t\t\t\t\tloaded\t\(TestCluster.m2)
            z.service\t-\t\t\t\t\t\t-\t\(TestCluster.m1)/10.0.0.3

            """)
        let short = await cluster.run("list-units", "--no-legend", "--fields", "hash")
        #expect(short.stdout == "0123456\n-\n-\n")
    }

    @Test func emptyClusterPrintsTheHeaderOnly() async {
        let result = await TestCluster().run("list-units")
        #expect(result.status == 0)
        #expect(result.stdout == "UNIT\tMACHINE\tACTIVE\tSUB\n")
    }

    @Test func badFields() async {
        let unknown = await TestCluster().run("list-units", "--fields=unit,colour")
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "Invalid key in output format: \"colour\"\n")
        let empty = await TestCluster().run("list-units", "--fields=")
        #expect(empty.status == 1)
        #expect(empty.stderr == "Must define output format\n")
    }
}
