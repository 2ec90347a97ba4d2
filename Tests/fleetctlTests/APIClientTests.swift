import FleetCore
import Foundation
import Testing
@testable import fleetctl

@Suite struct APIClientTests {
    @Test func listsFollowEveryPage() async throws {
        let cluster = TestCluster(tokenLimit: 2)
        for index in 1...5 {
            try await cluster.submit("u\(index).service", TestCluster.hello)
            try await cluster.report("u\(index).service", on: TestCluster.m1, .loaded)
        }
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.1")
        try await cluster.addMachine(TestCluster.m2, ip: "10.0.0.2")
        try await cluster.addMachine("33333333333333333333333333333333")
        let units = try await cluster.client.units()
        #expect(units.map(\.name) == ["u1.service", "u2.service", "u3.service", "u4.service", "u5.service"])
        #expect(try await cluster.client.unitStates().count == 5)
        #expect(try await cluster.client.unitStates(unitName: "u3.service").map(\.name) == ["u3.service"])
        #expect(try await cluster.client.unitStates(machineID: TestCluster.m2).isEmpty)
        #expect(try await cluster.client.machines().map(\.id) == [TestCluster.m1, TestCluster.m2, "33333333333333333333333333333333"])
    }

    @Test func createChangeAndDestroy() async throws {
        let client = TestCluster().client
        let options = try UnitFile(parsing: TestCluster.hello).options
        try await client.createUnit("hello.service", options: options)
        #expect(try await client.unit("hello.service")?.desiredState == "inactive")
        try await client.setDesiredState("hello.service", to: "launched")
        #expect(try await client.unit("hello.service")?.desiredState == "launched")
        #expect(try await client.destroyUnit("hello.service"))
        #expect(try await client.unit("hello.service") == nil)
        #expect(try await client.destroyUnit("hello.service") == false)
    }

    @Test func serverErrorsCarryStatusAndMessage() async throws {
        let client = TestCluster().client
        do {
            try await client.setDesiredState("nope.service", to: "launched")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .server)
            #expect(error.status == 409)
            #expect(error.message == "unit does not exist and options field empty")
            #expect(error.description == "googleapi: Error 409: unit does not exist and options field empty")
        }
    }

    @Test func patchMachineMetadata() async throws {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, metadata: ["region": "eu"])
        try await cluster.client.patchMachines([APIMachinePatchOperation(op: "add", path: "/\(TestCluster.m1)/metadata/disk", value: "ssd")])
        #expect(try await cluster.client.machines().first?.metadata == ["region": "eu", "disk": "ssd"])
        await #expect(throws: APIClientError.self) {
            try await cluster.client.patchMachines([APIMachinePatchOperation(op: "move", path: "/x/metadata/y", value: "z")])
        }
    }

    @Test func endpointsMapToURLsOrClearErrors() throws {
        #expect(try HTTPAPITransport.url(forEndpoint: "unix:///var/run/fleet.sock") == "http+unix://%2Fvar%2Frun%2Ffleet%2Esock")
        #expect(try HTTPAPITransport.url(forEndpoint: "http://127.0.0.1:49153/") == "http://127.0.0.1:49153")
        #expect(try HTTPAPITransport.url(forEndpoint: "https://fleet.example:443") == "https://fleet.example:443")
        #expect(throws: APIClientError(.invalidRequest, message: "URL scheme undefined")) {
            try HTTPAPITransport.url(forEndpoint: "127.0.0.1:49153")
        }
        #expect(throws: APIClientError(.invalidRequest, message: "unable to connect to host \"var\" with scheme \"unix\"")) {
            try HTTPAPITransport.url(forEndpoint: "unix://var/run/fleet.sock")
        }
    }

    @Test func unreachableSocketIsATransportError() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-fleet-\(UUID().uuidString).sock").path
        let transport = try HTTPAPITransport(endpoint: "unix://" + path, requestTimeout: .seconds(2))
        do {
            _ = try await APIClient(transport: transport).units()
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .transport)
            #expect(error.message.hasPrefix("cannot reach the fleet API at unix://\(path): "))
        }
        await transport.shutdown()
    }

    @Test func fleetctlReportsAnUnreachableEndpointInOneLine() async {
        let output = CapturedOutput()
        let status = await Fleetctl.run(
            ["--endpoint", "unix:///nonexistent/fleet-\(UUID().uuidString).sock", "list-units"],
            environment: [:], console: output.console)
        #expect(status == 1)
        #expect(output.stdout == "")
        #expect(output.stderr.hasPrefix("Error retrieving list of units from repository: cannot reach the fleet API at unix:///nonexistent/"))
        #expect(output.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func missingTLSKeyIsAnInitialisationError() async {
        let output = CapturedOutput()
        let status = await Fleetctl.run(
            ["--endpoint", "https://127.0.0.1:1", "--cert-file=/nonexistent.pem", "list-units"], environment: [:], console: output.console)
        #expect(status == 1)
        #expect(output.stderr == "Unable to initialize client: TLS needs both --cert-file and --key-file, or neither\n")
    }
}
