import AsyncHTTPClient
import EtcdClient
import FleetCore
import FleetServer
import FleetTesting
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// fleetd's API and engine on a real etcd at 1,000 machines × 10,000 units:
/// - GET /fleet/v1/units through the real HTTP server on a unix socket: latency per page
///   (token_limit 100) and for all 100 pages;
/// - PUT throughput (new units), sequential and 32 in flight;
/// - engine decision latency: from a desired-state write to the engine's placement write being
///   visible in etcd, p50/p99, with the engine leading a cluster of 10,000 placed units.
enum FleetdBenchmark {
    static let machines = 1_000
    static let units = 10_000
    static let decisions = 200

    static func run() async {
        print("== fleetd: API and engine at \(machines) machines × \(units) units, real etcd")
        do {
            try await EtcdProcess.with { etcd in
                var configuration = EtcdClientConfiguration(endpoints: [etcd.clientURL])
                configuration.requestTimeout = .seconds(30)
                let client = try EtcdClient(configuration: configuration)
                do {
                    try await measure(Registry(store: EtcdKeyValueStore(client: client)))
                    try await client.shutdown()
                } catch {
                    try? await client.shutdown()
                    throw error
                }
            }
        } catch {
            print("  benchmark failed: \(error)")
        }
    }

    private static func measure(_ registry: Registry) async throws {
        var quiet = Logger(label: "fleet-bench")
        quiet.logLevel = .error
        let lease = try await registry.store.grantLease(ttl: .seconds(600))
        let machineIDs = (0..<machines).map { String(format: "%032x", $0 + 1) }
        for (i, id) in machineIDs.enumerated() {
            try await registry.registerMachine(MachineState(id: id, publicIP: "10.0.\(i / 250).\(i % 250)",
                                                            metadata: ["rack": "r\(i % 10)"]), lease: lease)
        }
        let options = [UnitOption(section: "Service", name: "ExecStart", value: "/bin/sleep 1000")]
        let hash = UnitFile(options: options).hash.hex
        try await inParallel(units, width: 32) { i in
            try await registry.createUnit(UnitRecord(name: "u\(i).service", options: options, hash: hash, global: false),
                                          desiredState: .launched)
        }

        // The engine places all 10,000 units.
        let engine = Engine(registry: registry, machineID: machineIDs[0], mode: .watch(resyncInterval: .seconds(600)),
                            logger: quiet) { lease }
        let engineTask = Task { await engine.run() }
        defer { engineTask.cancel() }
        let placeStart = ContinuousClock.now
        while try await registry.schedules().count < units {
            try await Task.sleep(for: .milliseconds(200))
        }
        print("  engine: initial placement of \(units) units \(ms(ContinuousClock.now - placeStart)) ms")

        // API over HTTP on a unix socket.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let socket = directory.appendingPathComponent("fleet.sock").path
        let handler = APIHandler(registry: registry, tokenLimit: 100)
        let server = APIServer(configuration: APIServerConfiguration(unixSocketPath: socket),
                               handler: { await handler.handle($0) }, logger: quiet)
        try await server.start()
        let http = HTTPClient(eventLoopGroupProvider: .singleton,
                              configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
        do {
            try await measureAPI(http, socket: socket)
            try await measureDecisions(registry, machineIDs: machineIDs, options: options, hash: hash)
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    private static func measureAPI(_ http: HTTPClient, socket: String) async throws {
        let base = "http+unix://\(socket.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socket)"
        var pageTimes: [Duration] = []
        var totals: [Duration] = []
        for _ in 0..<3 {
            var target = "/fleet/v1/units"
            var count = 0
            let all = ContinuousClock.now
            while true {
                let start = ContinuousClock.now
                let response = try await http.execute(HTTPClientRequest(url: base + target), timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 64 << 20)
                pageTimes.append(ContinuousClock.now - start)
                let page = try JSONDecoder().decode(APIUnitPage.self, from: Data(body.readableBytesView))
                count += page.units.count
                guard let token = page.nextPageToken else { break }
                target = "/fleet/v1/units?nextPageToken=\(token)"
            }
            totals.append(ContinuousClock.now - all)
            guard count == units else { throw BenchError("listed \(count) units, expected \(units)") }
        }
        pageTimes.sort()
        totals.sort()
        print("  GET /fleet/v1/units (100 per page): page p50 \(ms(pageTimes[pageTimes.count / 2])) ms, p99 \(ms(pageTimes[pageTimes.count * 99 / 100])) ms; all \(units / 100) pages p50 \(ms(totals[1])) ms")

        for width in [1, 32] {
            let count = 1_000
            let start = ContinuousClock.now
            try await inParallel(count, width: width) { i in
                var request = HTTPClientRequest(url: base + "/fleet/v1/units/put\(width)-\(i).service")
                request.method = .PUT
                request.body = .bytes(ByteBuffer(string: #"{"desiredState":"inactive","options":[{"section":"Service","name":"ExecStart","value":"/bin/true"}]}"#))
                let response = try await http.execute(request, timeout: .seconds(30))
                guard response.status == .created else { throw BenchError("PUT answered \(response.status)") }
            }
            let seconds = Double(ms(ContinuousClock.now - start)) / 1000
            print("  PUT /fleet/v1/units/NAME (create), \(width) in flight: \(Int(Double(count) / seconds)) /s")
        }
    }

    private static func measureDecisions(_ registry: Registry, machineIDs: [String], options: [UnitOption], hash: String) async throws {
        var latencies: [Duration] = []
        for i in 0..<decisions {
            let name = "decide\(i).service"
            // Watch from the revision before the write, so the placement cannot be missed.
            let revision = try await registry.store.range(from: registry.keys.leader, to: nil, limit: 1).revision
            var iterator = registry.store.watch(prefix: registry.keys.schedules, startRevision: revision + 1).makeAsyncIterator()
            let start = ContinuousClock.now
            try await registry.createUnit(UnitRecord(name: name, options: options, hash: hash, global: false), desiredState: .launched)
            placed: while let update = try await iterator.next() {
                guard case .events(let events) = update else { continue }
                for event in events where event.key.hasSuffix("/" + name) {
                    latencies.append(ContinuousClock.now - start)
                    break placed
                }
            }
        }
        latencies.sort()
        print("  engine decision latency (unit created → placement in etcd), n=\(decisions): p50 \(ms(latencies[decisions / 2])) ms, p99 \(ms(latencies[decisions * 99 / 100])) ms")
    }

    private static func ms(_ duration: Duration) -> Double {
        let value = Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
        return (value * 100).rounded() / 100
    }
}
