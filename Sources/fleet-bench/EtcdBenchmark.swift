import AsyncHTTPClient
import EtcdClient
import FleetTesting
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Measures the etcd client against a real etcd it starts itself (Debian's /usr/bin/etcd on
/// free loopback ports, data in a temporary directory on disk):
///
/// - put throughput, sequential and with 32 requests in flight, through `EtcdClient` and through
///   a baseline in the same run: a bare AsyncHTTPClient loop posting hand-built JSON to the same
///   gateway endpoint with the same pool settings. The ratio is the cost of our layer (protobuf
///   JSON mapping, failover, error typing) over the bare HTTP round trip;
/// - watch delivery latency: from the start of a put to the arrival of its event at a watcher.
///
/// Client and etcd share the machine's cores, so the figures are CPU-bound; run in release.
enum EtcdBenchmark {
    static let puts = 2_000
    static let valueSize = 64
    static let concurrency = 32
    static let rounds = 3
    static let latencySamples = 500

    static func run() async {
        print("== etcd client (etcd \(etcdVersion()), \(puts) puts of \(valueSize) B per measurement, best of \(rounds))")
        let server: EtcdProcess
        do {
            server = try await EtcdProcess.start()
        } catch {
            print("  cannot start etcd: \(error)")
            return
        }
        do {
            try await measure(server)
        } catch {
            print("  benchmark failed: \(error)")
        }
        await server.destroy()
    }

    private static func measure(_ server: EtcdProcess) async throws {
        var configuration = EtcdClientConfiguration(endpoints: [server.clientURL])
        configuration.requestTimeout = .seconds(10)
        let client = try EtcdClient(configuration: configuration)
        let baseline = RawGatewayPutter(endpoint: server.clientURL)
        do {
            let value = [UInt8](repeating: UInt8(ascii: "x"), count: valueSize)
            // Warm up both: connections, etcd's first writes.
            try await inParallel(200, width: concurrency) { i in try await client.put("warm/\(i)", value: value) }
            try await inParallel(200, width: concurrency) { i in try await baseline.put("warm/\(i)", value: value) }

            for inFlight in [1, concurrency] {
                var ours = Measurement()
                var raw = Measurement()
                for round in 0..<rounds {
                    // Alternate the order so drift in machine load hits both alike.
                    let oursFirst = round % 2 == 0
                    for which in oursFirst ? [true, false] : [false, true] {
                        if which {
                            ours.keepBest(try await rate(count: puts, concurrency: inFlight) { i in
                                try await client.put("bench/ours/\(round)/\(i)", value: value)
                            })
                        } else {
                            raw.keepBest(try await rate(count: puts, concurrency: inFlight) { i in
                                try await baseline.put("bench/raw/\(round)/\(i)", value: value)
                            })
                        }
                    }
                }
                let label = inFlight == 1 ? "sequential" : "\(inFlight) in flight"
                print(
                    "  put \(label.padding(toLength: 13, withPad: " ", startingAt: 0))"
                        + " EtcdClient \(format(ours.rate)) puts/s (\(String(format: "%.0f", ours.cpuMicros)) µs CPU/put)"
                        + "   raw AHC+JSON baseline \(format(raw.rate)) puts/s (\(String(format: "%.0f", raw.cpuMicros)) µs CPU/put)"
                        + "   ratio \(String(format: "%.2f", ours.rate / raw.rate))")
            }

            try await watchLatency(client)
            try await client.shutdown()
            try await baseline.shutdown()
        } catch {
            try? await client.shutdown()
            try? await baseline.shutdown()
            throw error
        }
    }

    /// Puts one key at a time and times put start → event received by a separate watcher task.
    private static func watchLatency(_ client: EtcdClient) async throws {
        let start = try await client.range(.key("lat")).revision + 1
        let (arrivals, continuation) = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        let watcher = Task {
            do {
                for try await update in client.watch(.prefix("lat/"), options: .init(startRevision: start)) {
                    if case .events(let events, _) = update {
                        let now = ContinuousClock.now
                        for _ in events { continuation.yield(now) }
                    }
                }
            } catch {
                print("  watch failed: \(error)")
            }
            continuation.finish()
        }
        var arrivalsIterator = arrivals.makeAsyncIterator()
        var samples: [Duration] = []
        samples.reserveCapacity(latencySamples)
        let value = [UInt8](repeating: UInt8(ascii: "w"), count: valueSize)
        for i in 0..<(latencySamples + 50) {
            let sent = ContinuousClock.now
            try await client.put("lat/\(i)", value: value)
            guard let arrived = await arrivalsIterator.next() else { break }
            if i >= 50 { samples.append(arrived - sent) }  // the first ones warm up the stream
        }
        watcher.cancel()
        samples.sort()
        guard !samples.isEmpty else {
            print("  watch latency: no events delivered")
            return
        }
        func percentile(_ p: Double) -> String {
            let d = samples[min(samples.count - 1, Int(Double(samples.count) * p))]
            return String(format: "%.2f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1e3)
        }
        print("  watch delivery (put start → event, \(samples.count) samples): p50 \(percentile(0.50))  p99 \(percentile(0.99))  max \(percentile(1.0))")
    }

    struct Measurement {
        /// Operations per second (wall clock).
        var rate = 0.0
        /// CPU time this process (the client side) spent per operation, in microseconds: less
        /// sensitive than the rate to what else runs on the machine.
        var cpuMicros = Double.infinity

        mutating func keepBest(_ other: Measurement) {
            rate = max(rate, other.rate)
            cpuMicros = min(cpuMicros, other.cpuMicros)
        }
    }

    /// Runs `count` operations with `concurrency` in flight.
    private static func rate(
        count: Int, concurrency: Int, _ operation: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> Measurement {
        let cpuBefore = processCPUSeconds()
        let started = ContinuousClock.now
        try await inParallel(count, width: concurrency, operation)
        let elapsed = ContinuousClock.now - started
        let cpu = processCPUSeconds() - cpuBefore
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Measurement(rate: Double(count) / seconds, cpuMicros: cpu / Double(count) * 1e6)
    }

    /// User plus system CPU time of this process so far, all threads.
    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        _ = getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func format(_ rate: Double) -> String {
        String(format: "%6.0f", rate)
    }

    private static func etcdVersion() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EtcdProcess.binary)
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return "?" }
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").first?.split(separator: " ").last.map(String.init) ?? "?"
    }
}

/// The baseline: posts hand-built JSON to the gateway's put endpoint with AsyncHTTPClient,
/// pooled like EtcdClient's (HTTP/1.1, 64 connections), checking only the status.
final class RawGatewayPutter: Sendable {
    let http: HTTPClient
    let url: String

    init(endpoint: String) {
        var config = HTTPClient.Configuration()
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        config.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        url = endpoint + "/v3/kv/put"
    }

    func put(_ key: String, value: [UInt8]) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = #"{"key":"\#(Data(key.utf8).base64EncodedString())","value":"\#(Data(value).base64EncodedString())"}"#
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 200 else { throw BenchError("baseline put: HTTP \(response.status.code)") }
    }

    func shutdown() async throws {
        try await http.shutdown()
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
