import FleetCore
import Testing
@testable import fleetctl

/// `fleetctl status` through the API (beyond the original), and how it chooses between the
/// API and SSH.
@Suite struct StatusViaAPITests {
    func cluster(reader: FixedStatusReader?, machine: String = TestCluster.m1) async throws -> TestCluster {
        let cluster = TestCluster(statusReader: reader, statusMachine: machine, forward: { url, _, _ throws(APIClientError) in
            throw APIClientError(.transport, message: "cannot reach \(url)")
        })
        try await cluster.addMachine(TestCluster.m1, ip: "127.0.0.1")
        for name in ["a.service", "b.service"] {
            try await cluster.submit(name, TestCluster.hello, desiredState: "launched")
            try await cluster.report(name, on: TestCluster.m1, .launched)
        }
        return cluster
    }

    @Test func theAPIAnswersWithoutSSH() async throws {
        let reader = FixedStatusReader(output: "● NAME - Hello World\n     Active: active (running)\n")
        let cluster = try await cluster(reader: reader)
        // No sshd anywhere: a fallback would fail.
        let result = await cluster.run("status", "a.service", "b")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "● a.service - Hello World\n     Active: active (running)\n\n● b.service - Hello World\n     Active: active (running)\n")
        #expect(reader.units == ["a.service", "b.service"])
        let explicit = await cluster.run("status", "--via=api", "a.service")
        #expect(explicit.status == 0)
    }

    @Test func systemctlsExitStatusBecomesFleetctls() async throws {
        let cluster = try await cluster(reader: FixedStatusReader(output: "● NAME\n     Active: inactive (dead)\n", exitStatus: 3))
        let result = await cluster.run("status", "a.service", "b.service")
        #expect(result.status == 3)
        #expect(result.stdout == "● a.service\n     Active: inactive (dead)\n")
    }

    @Test func viaAPINeverFallsBack() async throws {
        // A fleetd without the endpoint.
        let old = try await cluster(reader: nil)
        let result = await old.run("status", "--via=api", "a.service")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("Error retrieving status of unit a.service through the API: "))
        #expect(result.stderr.contains("404"))
        // The unit runs on m1, the answering fleetd is m2, m1 advertises no URL.
        let elsewhere = try await cluster(reader: FixedStatusReader(output: "x"), machine: TestCluster.m2)
        let far = await elsewhere.run("status", "--via", "api", "a.service")
        #expect(far.status == 1)
        #expect(far.stderr.contains("advertises no API URL"))
    }

    @Test func badViaIsAnError() async throws {
        let result = await TestCluster().run("status", "--via=carrier-pigeon", "a.service")
        #expect(result.status == 2)
        #expect(result.stderr.contains("--via must be api or ssh"))
    }
}
