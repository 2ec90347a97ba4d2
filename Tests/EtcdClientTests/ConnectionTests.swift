import FleetTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
@testable import EtcdClient

/// A loopback TCP server that accepts connections and never answers.
func withSilentServer<T>(_ body: (String) async throws -> T) async throws -> T {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let url = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
    do {
        let result = try await body(url)
        try await channel.close()
        return result
    } catch {
        try? await channel.close()
        throw error
    }
}

/// A loopback URL nothing listens on.
/// An endpoint where nothing listens. Port 1 lies below the ephemeral range that free-port
/// searches (and so other tests' servers) draw from, so nothing can take it meanwhile.
func deadEndpoint() async throws -> String {
    "http://127.0.0.1:1"
}

@Suite("Endpoints, failover, timeouts, limits")
struct ConnectionTests {
    @Test func failsOverToTheNextEndpointAndRemembersIt() async throws {
        let dead = try await deadEndpoint()
        try await EtcdProcess.with { etcd in
            try await withClient([dead, etcd.clientURL]) { client in
                try await client.put("k", value: "v")
                #expect(try await client.get("k")?.valueString == "v")
                let transport = try #require(client.transport as? GatewayTransport)
                #expect(transport.preferredEndpoint == etcd.clientURL)
            }
        }
    }

    @Test func movesOnWhenTheRememberedEndpointDies() async throws {
        // Two independent etcds stand in for two members: which one holds a key shows where
        // each request went.
        try await EtcdProcess.with { first in
            try await EtcdProcess.with { second in
                try await withClient([first.clientURL, second.clientURL]) { client in
                    try await client.put("k", value: "to first")
                    await first.kill()
                    try await client.put("k", value: "to second")
                    let transport = try #require(client.transport as? GatewayTransport)
                    #expect(transport.preferredEndpoint == second.clientURL)
                }
                let stored = try await withClient([second.clientURL]) { direct in try await direct.get("k") }
                #expect(stored?.valueString == "to second")
            }
        }
    }

    @Test func watchesFailOverToo() async throws {
        let dead = try await deadEndpoint()
        try await EtcdProcess.with { etcd in
            try await withClient([dead, etcd.clientURL]) { client in
                let start = try await client.range(.key("x")).revision + 1
                let (log, task) = record(client.watch(.prefix("f/"), options: .init(startRevision: start)))
                defer { task.cancel() }
                try await client.put("f/k", value: "v")
                #expect(await eventually(within: .seconds(10)) { await log.events.count == 1 })
            }
        }
    }

    @Test func unreachableEtcdGivesUnavailableNamingEveryEndpoint() async throws {
        let first = try await deadEndpoint()
        let second = try await deadEndpoint()
        try await withClient([first, second], configure: { $0.requestTimeout = .seconds(30) }) { client in
            let started = ContinuousClock.now
            let error = await #expect(throws: EtcdError.self) { try await client.put("k", value: "v") }
            #expect(error?.code == .unavailable)
            #expect(error?.operation == "put")
            #expect(error?.description.contains(first) == true)
            #expect(error?.description.contains(second) == true)
            // Refused connections fail at once instead of waiting out the 30 s timeout (the
            // bound is loose: the suite shares 2 cores with real etcd processes).
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func aSilentEndpointTimesOutWithinTheRequestTimeout() async throws {
        try await withSilentServer { url in
            // A client with a 60 s timeout asks the same silent endpoint at the same time: the
            // 400 ms client gives up while that one still waits (an order, not a wall-clock
            // bound, so a loaded machine cannot fail it).
            try await withClient([url], configure: { $0.requestTimeout = .seconds(60) }) { patient in
                let patientDone = Atomic<Bool>(false)
                let waiting = Task {
                    _ = try? await patient.get("k")
                    patientDone.store(true, ordering: .sequentiallyConsistent)
                }
                defer { waiting.cancel() }
                try await withClient([url], configure: { $0.requestTimeout = .milliseconds(400) }) { client in
                    let started = ContinuousClock.now
                    let error = await #expect(throws: EtcdError.self) { try await client.get("k") }
                    #expect(error?.code == .timeout)
                    #expect(error?.endpoint == url)
                    #expect(ContinuousClock.now - started >= .milliseconds(350))
                    let patientFinished = patientDone.load(ordering: .sequentiallyConsistent)
                    #expect(!patientFinished)
                }
            }
        }
    }

    @Test func watchStreamsAreExemptFromTheRequestTimeout() async throws {
        // 1 s, not less: on a loaded machine a shorter one fails the connect itself.
        try await withEtcdClient(configure: { $0.requestTimeout = .seconds(1) }) { _, client in
            let start = try await client.range(.key("x")).revision + 1
            let (log, task) = record(client.watch(.prefix("slow/"), options: .init(startRevision: start)))
            defer { task.cancel() }
            try await Task.sleep(for: .seconds(3))  // several request timeouts with no event
            try await client.put("slow/k", value: "v")
            #expect(await eventually(within: .seconds(5)) { await log.events.count == 1 })
            #expect(await log.error == nil)
        }
    }

    @Test func anOversizedValueIsRefusedBeforeSending() async throws {
        // A dead endpoint: had the client tried to send, the error would be `unavailable`.
        try await withClient([try await deadEndpoint()]) { client in
            let big = [UInt8](repeating: 7, count: 1_572_864)
            let put = await #expect(throws: EtcdError.self) { try await client.put("big", value: big) }
            #expect(put?.code == .requestTooLarge)
            #expect(put?.message.contains("big") == true)
            let txn = await #expect(throws: EtcdError.self) {
                try await client.txn(compare: [], success: [.put(key: "a", value: big)])
            }
            #expect(txn?.code == .requestTooLarge)
        }
    }

    @Test func theSizeLimitIsConfigurableAndValuesUnderItAreStored() async throws {
        try await withEtcdClient(configure: { $0.maxRequestBytes = 1000 }) { _, client in
            let value = [UInt8](repeating: 1, count: 900)
            try await client.put("ok", value: value)
            #expect(try await client.get("ok")?.value == value)
            let error = await #expect(throws: EtcdError.self) {
                try await client.put("no", value: [UInt8](repeating: 1, count: 1000))
            }
            #expect(error?.code == .requestTooLarge)
        }
    }

    @Test func etcdRefusesRequestsOverItsOwnLimit() async throws {
        let options = EtcdProcess.Options(extraArguments: ["--max-request-bytes=10000"])
        try await withEtcdClient(options) { _, client in
            let error = await #expect(throws: EtcdError.self) {
                try await client.put("k", value: [UInt8](repeating: 1, count: 20_000))
            }
            #expect(error?.code == .requestTooLarge)
        }
    }

    @Test(arguments: ["", "127.0.0.1:2379", "ftp://host:1"])
    func badEndpointsAreAConfigurationError(endpoint: String) {
        let endpoints = endpoint.isEmpty ? [] : [endpoint]
        #expect(throws: EtcdError.self) { _ = try EtcdClient(configuration: .init(endpoints: endpoints)) }
        do {
            _ = try EtcdClient(configuration: .init(endpoints: endpoints))
        } catch {
            #expect(error.code == .configuration)
        }
    }

    @Test func aServerThatIsNotEtcdGivesAClearError() async throws {
        // What a plain HTTP server (or a proxy) answers on a path it does not know.
        let error = GatewayTransport.gatewayError(
            status: .notFound, body: Array("404 page not found\n".utf8), operation: "range", endpoint: "http://h:1")
        #expect(error.code == .server)
        #expect(error.description.contains("HTTP 404"))
        #expect(error.description.contains("404 page not found"))
        #expect(error.description.contains("http://h:1"))
    }
}
