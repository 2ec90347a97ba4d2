import FleetCore
import FleetServer
import Foundation
import Logging
import Synchronization
import Testing
@testable import fleetctl

/// `fleetctl journal` through the API (beyond the original): real API servers on unix sockets
/// stream a unit's journal from an in-memory reader, directly or forwarded once.
@Suite struct JournalViaAPITests {
    /// A journal of ten lines, tagged with the machine that read it; a follow adds one more.
    final class Reader: UnitJournalReader {
        let tag: String
        let requests = Mutex<[String]>([])
        init(tag: String) { self.tag = tag }

        var outputModes: [String] { ["short", "cat"] }

        func journal(of unit: String, lines: Int, follow: Bool, output: String) async throws -> AsyncThrowingStream<String, any Error> {
            requests.withLock { $0.append("\(unit) lines=\(lines) follow=\(follow) output=\(output)") }
            let tag = tag
            let all = (1...10).map { "\(tag) \(unit) \(output) \($0)\n" }
            return AsyncThrowingStream { continuation in
                continuation.yield(all.suffix(lines).joined())
                if follow { continuation.yield("\(tag) \(unit) new entry\n") }
                continuation.finish()
            }
        }
    }

    /// Serves the cluster's API on a unix socket as the fleetd of `machine` would.
    func withServer(_ cluster: TestCluster, machine: String, reader: Reader, socket: String, _ body: () async throws -> Void) async throws {
        let handler = cluster.handler
        let journal = UnitJournalHandler(registry: cluster.registry, machineID: machine, reader: reader)
        let server = APIServer(configuration: APIServerConfiguration(unixSocketPath: socket), handler: { await handler.handle($0) },
                               streamingHandler: journal.streamingHandler, logger: Logger(label: "fleetctl.journal.test"))
        try await server.start()
        do {
            try await body()
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    func cluster(m1URL: String = "") async throws -> TestCluster {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "127.0.0.1", apiURL: m1URL)
        try await cluster.addMachine(TestCluster.m2, ip: "127.0.0.2")
        try await cluster.submit("a.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("a.service", on: TestCluster.m1, .launched)
        return cluster
    }

    @Test func theUnitsFleetdStreamsItsJournal() async throws {
        let cluster = try await cluster()
        let socket = cluster.directory + "/m1.sock"
        let reader = Reader(tag: "m1")
        try await withServer(cluster, machine: TestCluster.m1, reader: reader, socket: socket) {
            let streams = try TestStreams()
            let result = await cluster.run(["--endpoint", "unix://" + socket, "journal", "--lines=3", "--output", "cat", "a.service"], io: streams.io, http: true)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(streams.output == "m1 a.service cat 8\nm1 a.service cat 9\nm1 a.service cat 10\n")

            let followed = try TestStreams()
            let follow = await cluster.run(["--endpoint", "unix://" + socket, "journal", "-f", "--via=api", "a"], io: followed.io, http: true)
            #expect(follow.status == 0, "\(follow.stderr)")
            #expect(followed.output.hasSuffix("m1 a.service short 10\nm1 a.service new entry\n"))
            #expect(followed.output.components(separatedBy: "\n").count == 12)
            #expect(reader.requests.withLock { $0 } == ["a.service lines=3 follow=false output=cat", "a.service lines=10 follow=true output=short"])
        }
    }

    @Test func anotherFleetdForwardsToTheUnitsMachine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let near = directory + "/m2.sock", far = directory + "/m1.sock"
        let cluster = try await cluster(m1URL: "unix://" + far)
        let m1 = Reader(tag: "m1"), m2 = Reader(tag: "m2")
        try await withServer(cluster, machine: TestCluster.m1, reader: m1, socket: far) {
            try await withServer(cluster, machine: TestCluster.m2, reader: m2, socket: near) {
                let streams = try TestStreams()
                let result = await cluster.run(["--endpoint", "unix://" + near, "journal", "--lines=1", "a.service"], io: streams.io, http: true)
                #expect(result.status == 0, "\(result.stderr)")
                #expect(streams.output == "m1 a.service short 10\n")
                #expect(m2.requests.withLock { $0 }.isEmpty)
            }
        }
    }

    @Test func errorsOfTheAPIPath() async throws {
        let cluster = try await cluster()
        let socket = cluster.directory + "/m2.sock"
        try await withServer(cluster, machine: TestCluster.m2, reader: Reader(tag: "m2"), socket: socket) {
            // m1 advertises no API URL.
            let far = await cluster.run(["--endpoint", "unix://" + socket, "journal", "--via=api", "a.service"], io: try TestStreams().io, http: true)
            #expect(far.status == 1)
            #expect(far.stderr.hasPrefix("Error retrieving journal of unit a.service through the API: "))
            #expect(far.stderr.contains("machine \(TestCluster.m1) of unit a.service advertises no API URL"))
        }
        try await withServer(cluster, machine: TestCluster.m1, reader: Reader(tag: "m1"), socket: socket) {
            let mode = await cluster.run(["--endpoint", "unix://" + socket, "journal", "--via=api", "--output=xml", "a.service"], io: try TestStreams().io, http: true)
            #expect(mode.status == 1)
            #expect(mode.stderr.contains("output mode xml is not supported here (short, cat)"))
        }
        // The in-process transport cannot stream: --via=api says so.
        let inProcess = await cluster.run("journal", "--via=api", "a.service")
        #expect(inProcess.status == 1)
        #expect(inProcess.stderr.contains("journal through the API needs an --endpoint or --tunnel connection"))
        let bad = await cluster.run("journal", "--via=both", "a.service")
        #expect(bad.status == 2)
    }
}
