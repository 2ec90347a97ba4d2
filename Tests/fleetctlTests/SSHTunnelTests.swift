import FleetCore
import FleetServer
import Foundation
import Logging
import Synchronization
import Testing
@testable import fleetctl

/// `--tunnel`: the API over `ssh HOST fleetctl fd-forward SOCKET` against a real sshd, the built
/// fleetctl as the remote fd-forward, and a real API server on a unix socket.
@Suite struct SSHTunnelTests {
    /// The built fleetctl, next to the test bundle.
    static var builtFleetctl: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("fleetctl").path
    }

    /// An API server on a unix socket, as m1's fleetd (reading its journal with `journal`),
    /// reached through a real sshd.
    func withTunnel(journal: JournalViaAPITests.Reader? = nil, _ body: (SSHServer, TestCluster, [String]) async throws -> Void) async throws {
        let server = try await SSHServer.start()
        try server.install("fleetctl", script: "exec '\(Self.builtFleetctl)' \"$@\"")
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "127.0.0.1")
        let socket = server.directory + "/fleet.sock"
        let handler = cluster.handler
        let api = APIServer(
            configuration: APIServerConfiguration(unixSocketPath: socket), handler: { await handler.handle($0) },
            streamingHandler: journal.map { UnitJournalHandler(registry: cluster.registry, machineID: TestCluster.m1, reader: $0).streamingHandler },
            logger: Logger(label: "fleetctl.tunnel.test"))
        try await api.start()
        let globals = ["--ssh-username", server.user, "--known-hosts-file", cluster.directory + "/known_hosts",
                       "--tunnel", "127.0.0.1:\(server.port)", "--endpoint", "unix://\(socket)"]
        do {
            try await body(server, cluster, globals)
        } catch {
            await api.shutdown()
            throw error
        }
        await api.shutdown()
    }

    @Test func requestsTravelThroughTheTunnel() async throws {
        try await withTunnel { server, cluster, globals in
            try cluster.write("hello.service", TestCluster.hello)
            let streams = try TestStreams(input: "yes\n")
            // Several requests on one tunnel: submit reads, then creates.
            let submit = await cluster.run(globals + ["submit", "hello.service"], environment: server.environment, io: streams.io)
            #expect(submit.status == 0, "\(submit.stderr) \(streams.error)")
            #expect(submit.stderr.contains("Warning: Permanently added '[127.0.0.1]:\(server.port)' (ED25519)"))
            #expect(try await cluster.client.unit("hello.service") != nil)

            let again = try TestStreams()
            let list = await cluster.run(globals + ["list-machines", "--full", "--no-legend"], environment: server.environment, io: again.io)
            #expect(list.status == 0, "\(list.stderr) \(again.error)")
            #expect(list.stdout == "\(TestCluster.m1)\t127.0.0.1\t-\n")
            let files = await cluster.run(globals + ["list-unit-files", "--no-legend", "--fields=unit,dstate"], environment: server.environment, io: again.io)
            #expect(files.stdout == "hello.service\tinactive\n")
        }
    }

    @Test func sshGoesThroughTheTunnelHost() async throws {
        try await withTunnel { server, cluster, globals in
            // The tunnel host and the machine are the same sshd: one question, one key stored.
            let streams = try TestStreams(input: "yes\n")
            let result = await cluster.run(globals + ["ssh", "--ssh-port", String(server.port), "113f", "echo", "through"],
                                           environment: server.environment, io: streams.io)
            #expect(result.status == 0, "\(result.stderr) \(streams.error)")
            #expect(streams.output == "through\n")
            #expect(result.stderr.components(separatedBy: "Are you sure").count == 2, "\(result.stderr)")
            // Logins: the API tunnel's, then the proxy's and the machine's own (directly, there
            // would be two in all; the key fetch through the proxy stops before logging in).
            let log = (try? String(contentsOfFile: server.directory + "/sshd.log", encoding: .utf8)) ?? ""
            #expect(log.components(separatedBy: "Accepted publickey").count - 1 >= 3, "\(log)")
        }
    }

    @Test func theJournalStreamsThroughTheTunnel() async throws {
        let reader = JournalViaAPITests.Reader(tag: "m1")
        try await withTunnel(journal: reader) { server, cluster, globals in
            try await cluster.submit("a.service", TestCluster.hello, desiredState: "launched")
            try await cluster.report("a.service", on: TestCluster.m1, .launched)
            let streams = try TestStreams(input: "yes\n")
            let result = await cluster.run(globals + ["journal", "--via=api", "--lines=2", "a.service"], environment: server.environment, io: streams.io)
            #expect(result.status == 0, "\(result.stderr) \(streams.error)")
            #expect(streams.output == "m1 a.service short 9\nm1 a.service short 10\n")

            // Followed: the answer keeps streaming over the tunnel until it ends.
            let followed = try TestStreams()
            let follow = await cluster.run(globals + ["journal", "-f", "--via=api", "--output=cat", "--lines=1", "a.service"],
                                           environment: server.environment, io: followed.io)
            #expect(follow.status == 0, "\(follow.stderr) \(followed.error)")
            #expect(followed.output == "m1 a.service cat 10\nm1 a.service new entry\n")
            #expect(reader.requests.withLock { $0 } == ["a.service lines=2 follow=false output=short", "a.service lines=1 follow=true output=cat"])
        }
    }

    @Test func aRefusedTunnelHostIsAnError() async throws {
        try await withTunnel { server, cluster, globals in
            let streams = try TestStreams(input: "no\n")
            let result = await cluster.run(globals + ["list-machines"], environment: server.environment, io: streams.io)
            #expect(result.status == 1)
            #expect(result.stderr.contains("cannot open the SSH tunnel to 127.0.0.1: unauthorized host"))
        }
    }

    @Test func tunnelAndEndpointParsing() throws {
        #expect(try SSHTunnelTransport.split("10.0.0.1") == ("10.0.0.1", 22))
        #expect(try SSHTunnelTransport.split("10.0.0.1:2222") == ("10.0.0.1", 2222))
        #expect(try SSHTunnelTransport.split("[::1]:2222") == ("::1", 2222))
        #expect(try SSHTunnelTransport.split("::1") == ("::1", 22))
        #expect(throws: FleetctlError.self) { try SSHTunnelTransport.split("host:port") }
        #expect(throws: FleetctlError.self) { try SSHTunnelTransport.split(":22") }
        #expect(try SSHTunnelTransport.remote(forEndpoint: "unix:///var/run/fleet.sock") == .unixSocket("/var/run/fleet.sock"))
        #expect(try SSHTunnelTransport.remote(forEndpoint: "http://10.0.0.2:49153") == .tcp(host: "10.0.0.2", port: 49153))
        #expect(try SSHTunnelTransport.remote(forEndpoint: "http://10.0.0.2/") == .tcp(host: "10.0.0.2", port: 80))
        #expect(throws: FleetctlError.self) { try SSHTunnelTransport.remote(forEndpoint: "https://10.0.0.2:1") }
    }

    @Test func requestsAreHTTP11WithALength() {
        let request = String(decoding: SSHTunnelTransport.request(method: "GET", path: "/fleet/v1/state", query: ["unitName": "a b", "machineID": "m"], body: []), as: UTF8.self)
        #expect(request == "GET /fleet/v1/state?machineID=m&unitName=a%20b HTTP/1.1\r\nHost: fleet\r\nContent-Length: 0\r\n\r\n")
    }
}
