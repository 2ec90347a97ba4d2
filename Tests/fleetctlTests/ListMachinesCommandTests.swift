import FleetCore
import Testing
@testable import fleetctl

@Suite struct ListMachinesCommandTests {
    @Test func machinesWithSortedMetadataAndDashes() async throws {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.3", metadata: ["region": "eu", "disk": "ssd"])
        try await cluster.addMachine(TestCluster.m2)
        let result = await cluster.run("list-machines")
        #expect(result.status == 0)
        #expect(result.stdout == """
            MACHINE\t\tIP\t\tMETADATA
            113f16a7...\t10.0.0.3\tdisk=ssd,region=eu
            2c9e1f0b...\t-\t\t-

            """)
        let full = await cluster.run("list-machines", "-l", "--no-legend", "--fields=ip,machine")
        #expect(full.stdout == "10.0.0.3\t\(TestCluster.m1)\n-\t\t\(TestCluster.m2)\n")
    }

    @Test func unknownField() async {
        let result = await TestCluster().run("list-machines", "--fields=machine,ram")
        #expect(result.status == 1)
        #expect(result.stderr == "Invalid key in output format: \"ram\"\n")
    }
}
