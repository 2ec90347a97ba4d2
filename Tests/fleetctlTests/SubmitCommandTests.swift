import FleetCore
import Testing
@testable import fleetctl

@Suite struct SubmitCommandTests {
    @Test func submitsByPathAndByName() async throws {
        let cluster = TestCluster()
        let path = try cluster.write("hello.service", TestCluster.hello)
        try cluster.write("other.service", TestCluster.hello)
        let result = await cluster.run("submit", path, "other")
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == "Unit hello.service inactive\nUnit other.service inactive\n")
        let unit = try #require(try await cluster.client.unit("hello.service"))
        #expect(unit.options == (try UnitFile(parsing: TestCluster.hello)).options)
        #expect(unit.desiredState == "inactive")
    }

    @Test func anInstanceUsesTheLocalTemplate() async throws {
        let cluster = TestCluster()
        try cluster.write("web@.service", TestCluster.hello)
        let result = await cluster.run("submit", "web@1.service")
        #expect(result.status == 0)
        #expect(result.stdout == "Unit web@1.service inactive\n")
        #expect(try await cluster.client.unit("web@1.service")?.options == (try UnitFile(parsing: TestCluster.hello)).options)
    }

    @Test func anInstanceUsesTheTemplateInTheClusterAndWarnsWhenTheLocalOneDiffers() async throws {
        let cluster = TestCluster()
        try await cluster.submit("web@.service", TestCluster.global)
        try cluster.write("web@.service", TestCluster.hello)
        let result = await cluster.run("submit", "web@2.service")
        #expect(result.status == 0)
        #expect(result.stderr == "WARNING: Unit web@.service in registry differs from local template unit file web@2.service. Add --replace to override.\n")
        #expect(try await cluster.client.unit("web@2.service")?.options == (try UnitFile(parsing: TestCluster.global)).options)
    }

    @Test func unknownUnitsAndMissingTemplatesAreErrors() async throws {
        let cluster = TestCluster()
        let missing = await cluster.run("submit", "nope.service")
        #expect(missing.status == 1)
        #expect(missing.stderr == "Error creating units: unable to find Unit(nope.service) in Registry or on filesystem\n")
        let template = await cluster.run("submit", "web@3.service")
        #expect(template.status == 1)
        #expect(template.stderr == "Error creating units: failed getting Unit(web@3.service) from template: unable to find template Unit(web@.service) in Registry or on filesystem\n")
        #expect(try await cluster.client.units().isEmpty)
    }

    @Test func badFilesAndNamesAreRefusedWithoutWritingAnything() async throws {
        let cluster = TestCluster()
        try cluster.write("broken.service", "[Service\nExecStart=/bin/true\n")
        let broken = await cluster.run("submit", "broken.service")
        #expect(broken.status == 1)
        #expect(broken.stderr.hasPrefix("Error creating units: failed getting Unit(broken.service) from file: "))
        try cluster.write("bad name.service", TestCluster.hello)
        let badName = await cluster.run("submit", "bad name.service")
        #expect(badName.status == 1)
        #expect(badName.stderr.hasPrefix("Error creating units: "))
        #expect(try await cluster.client.units().isEmpty)
    }

    @Test func noUnitsGiven() async {
        let result = await TestCluster().run("submit")
        #expect(result.status == 0)
        #expect(result.stderr == "No units given\n")
    }

    @Test func anExistingUnitIsKeptAndADifferentLocalFileWarns() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.global)
        try cluster.write("hello.service", TestCluster.hello)
        let result = await cluster.run("submit", "hello.service")
        #expect(result.status == 0)
        #expect(result.stdout == "")
        #expect(result.stderr == "WARNING: Unit hello.service in registry differs from local unit file hello.service. Add --replace to override.\n")
        #expect(try await cluster.client.unit("hello.service")?.options == (try UnitFile(parsing: TestCluster.global)).options)
    }

    @Test func replaceSwapsTheContentsOfAnInactiveUnit() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.global)
        try cluster.write("hello.service", TestCluster.hello)
        let result = await cluster.run("submit", "--replace", "hello.service")
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(try await cluster.client.unit("hello.service")?.options == (try UnitFile(parsing: TestCluster.hello)).options)
        let again = await cluster.run("submit", "--replace", "hello.service")
        #expect(again.stdout == "Found same Unit(hello.service) in Registry, nothing to do\n")
    }

    @Test func submitDoesNotReplaceAScheduledUnit() async throws {
        let cluster = TestCluster()
        try await cluster.submit("hello.service", TestCluster.global, desiredState: "loaded")
        try cluster.write("hello.service", TestCluster.hello)
        let result = await cluster.run("submit", "--replace", "hello.service")
        #expect(result.status == 0)
        #expect(result.stderr == "Warning: can not replace Unit(hello.service) in state 'loaded', use the appropriate command\n")
        #expect(try await cluster.client.unit("hello.service")?.options == (try UnitFile(parsing: TestCluster.global)).options)
    }
}
