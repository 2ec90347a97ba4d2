import Testing
@testable import FleetCore

@Suite struct MetricsTests {
    @Test func formatsEngineFamiliesWithTheOriginalNames() {
        var engine = EngineMetrics()
        engine.leaderSince = 1_700_000_000.5
        engine.assignments = 3
        engine.unassignments = 1
        engine.fullPasses = 2
        engine.eventBatches = 5
        engine.reconcileFailures = 1
        let text = Metrics.format(Metrics.Sample(engine: engine))
        #expect(text.contains("# TYPE fleet_engine_leader_start_time gauge\nfleet_engine_leader_start_time 1700000000.5\n"))
        #expect(text.contains("# HELP fleet_engine_task_count_total Counter of engine schedule tasks.\n"))
        #expect(text.contains("fleet_engine_task_count_total{type=\"assign\"} 3\nfleet_engine_task_count_total{type=\"unassign\"} 1\n"))
        #expect(text.contains("fleet_engine_reconcile_count_total 7\n"))
        #expect(text.contains("fleet_engine_reconcile_failure_count_total{type=\"run\"} 1\n"))
        #expect(!text.contains("fleet_agent_"))
        #expect(text.hasSuffix("\n"))
    }

    @Test func formatsRegistryAndAgentFamilies() async throws {
        let store = MeteredKeyValueStore(InMemoryKeyValueStore())
        _ = try await store.get("/a")
        _ = try await store.list(prefix: "/")
        await #expect(throws: KeyValueStoreError.self) { try await store.keepAlive(lease: 42) }
        var agent = AgentMetrics()
        agent.statesPublished = 4
        agent.idleWakeUps = 2
        let text = Metrics.format(Metrics.Sample(agent: agent, registry: store.snapshot, registered: true))
        #expect(text.contains("fleet_registry_operation_count_total{type=\"get\"} 1\n"))
        #expect(text.contains("fleet_registry_operation_count_total{type=\"get_all\"} 1\n"))
        #expect(text.contains("fleet_registry_operation_count_total{type=\"lease_keepalive\"} 1\n"))
        #expect(text.contains("# TYPE fleet_registry_operation_failed_count_total counter\nfleet_registry_operation_failed_count_total{type=\"lease_keepalive\"} 1\n"))
        #expect(text.contains("fleet_agent_states_published_total 4\n"))
        #expect(text.contains("fleet_agent_idle_wakeups_total 2\n"))
        #expect(text.contains("fleet_machine_registered 1\n"))
        #expect(!text.contains("fleet_engine_"))
    }

    @Test func everySeriesLineBelongsToADeclaredFamily() {
        let text = Metrics.format(Metrics.Sample(engine: EngineMetrics(), agent: AgentMetrics(),
                                                 registry: RegistryOperationCounts(operations: ["get": 1]), registered: false))
        var declared = Set<String>()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") { declared.insert(String(line.split(separator: " ")[2])) }
            if line.hasPrefix("#") { continue }
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            #expect(declared.contains(name), "undeclared series \(line)")
            #expect(Double(line.split(separator: " ").last!) != nil)
        }
    }
}
