import FleetCore
import Testing
@testable import fleetctl

@Suite struct CatCommandTests {
    @Test func printsTheStoredFile() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.hello)
        let result = await cluster.run("cat", "hello")
        #expect(result.status == 0)
        #expect(result.stdout == "[Unit]\nDescription=Hello World\n\n[Service]\nExecStart=/bin/sh -c \"while true; do echo hi; sleep 1; done\"\n")
    }

    @Test func missingUnitAndWrongArgumentCount() async {
        let missing = await TestCluster().run("cat", "nope.service")
        #expect(missing.status == 1)
        #expect(missing.stderr == "Unit nope.service not found\n")
        let none = await TestCluster().run("cat")
        #expect(none.status == 1)
        #expect(none.stderr == "One unit file must be provided\n")
        let two = await TestCluster().run("cat", "a", "b")
        #expect(two.stderr == "One unit file must be provided\n")
    }
}
