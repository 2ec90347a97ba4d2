import AsyncHTTPClient
import EtcdClient
import FleetCore
import FleetTesting
import Foundation
import NIOCore

/// Writes 10,000 placements into per-machine schedules (1,000 machines) the way the engine
/// does — fenced transactions of up to 128 operations — against a real etcd, and reports wall
/// time, transactions, and etcd's own count of writes per placed unit (`etcd_mvcc_put_total`
/// from its /metrics, before and after).
enum PlacementBenchmark {
    static let machines = 1_000
    static let units = 10_000

    static func run() async {
        print("== placements: \(units) units into per-machine schedules of \(machines) machines, real etcd")
        do {
            try await EtcdProcess.with { etcd in
                var configuration = EtcdClientConfiguration(endpoints: [etcd.clientURL])
                configuration.requestTimeout = .seconds(30)
                let client = try EtcdClient(configuration: configuration)
                do {
                    try await measure(client, metricsURL: etcd.clientURL + "/metrics")
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

    private static func measure(_ client: EtcdClient, metricsURL: String) async throws {
        let registry = Registry(store: EtcdKeyValueStore(client: client))
        let lease = try await registry.store.grantLease(ttl: .seconds(60))
        guard let fence = try await registry.campaign(machineID: "bench", lease: lease) else {
            throw BenchError("could not become leader")
        }
        let changes = (0..<units).map { i in
            ScheduleChange.assign(
                unit: "unit-\(i).service", machine: String(format: "%032x", i % machines),
                ScheduleRecord(state: .launched, hash: String(repeating: "a", count: 40)))
        }
        let putsBefore = try await etcdPuts(metricsURL)
        let start = ContinuousClock.now
        let transactions = try await registry.applySchedule(changes, fence: fence)
        let elapsed = ContinuousClock.now - start
        let putsAfter = try await etcdPuts(metricsURL)
        let puts = putsAfter - putsBefore
        let perUnit = Double(puts) / Double(units)
        let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        print(String(format: "  wall time %.0f ms (%.0f placements/s), %d transactions of ≤ %d operations",
                     ms, Double(units) / (ms / 1e3), transactions, registry.maxOperationsPerTransaction))
        print(String(format: "  etcd writes (etcd_mvcc_put_total) %d → %.2f per placed unit (target ≤ 3 including the agent's state report)",
                     puts, perUnit))
        let check = try await registry.schedule(machine: String(format: "%032x", 7))
        print("  check: machine 7 holds \(check.count) assignments (expected \(units / machines))")
    }

    /// Reads etcd's own counter of keys written.
    private static func etcdPuts(_ url: String) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        let text = String(buffer: body)
        for line in text.split(separator: "\n") where line.hasPrefix("etcd_mvcc_put_total ") {
            if let value = Double(line.split(separator: " ").last ?? "") { return Int(value) }
        }
        throw BenchError("etcd_mvcc_put_total not in etcd's /metrics")
    }
}
