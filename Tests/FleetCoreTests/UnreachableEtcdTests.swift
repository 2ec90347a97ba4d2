import EtcdClient
import FleetTesting
import InMemoryLogging
import Logging
import Testing
@testable import FleetCore

/// etcd unreachable when fleetd starts: the agent keeps retrying with backoff and says so.
@Suite struct UnreachableEtcdTests {
    @Test func theAgentRetriesWithBackoffAndLogsWhy() async throws {
        // Nothing listens on port 1 (below the ephemeral range other tests draw ports from):
        // connections are refused at once.
        let port = 1
        var configuration = EtcdClientConfiguration(endpoints: ["http://127.0.0.1:\(port)"])
        configuration.requestTimeout = .milliseconds(500)
        let client = try EtcdClient(configuration: configuration)
        var logs = InMemoryLogHandler()
        logs.logLevel = .debug
        let registry = Registry(store: EtcdKeyValueStore(client: client))
        let agent = Agent(registry: registry, machineID: "m1", metadata: [:], units: InMemoryUnitManager(),
                          logger: Logger(label: "test") { _ in logs }) { nil }
        let started = ContinuousClock.now
        let running = Task { await agent.run() }
        let retried = try await eventually(10) {
            logs.entries.filter { $0.message.description.contains("unreachable") }.count >= 3
        }
        let elapsed = ContinuousClock.now - started
        running.cancel()
        _ = await running.value
        try await client.shutdown()
        #expect(retried)
        // One warning per outage naming the endpoint; the retries at debug level.
        let warnings = logs.entries.filter { $0.level == .warning && $0.message.description.contains("registry unreachable") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata["error"]?.description.contains("127.0.0.1:\(port)") == true)
        let retry = try #require(logs.entries.first { $0.level == .debug && $0.message.description.contains("still unreachable") })
        // Backoff: the delays grow (100 ms, then 200 ms…), so a third try comes after ≥ 300 ms.
        #expect(elapsed >= .milliseconds(300))
        #expect(retry.metadata["retry.after"] != nil)
    }
}
