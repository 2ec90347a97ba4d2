import FleetTesting
@testable import EtcdClient

/// Runs `body` with a client for `endpoints`, shutting the client down afterwards.
/// Tests use a generous timeout: five workers share two cores, and etcd can be slow to answer.
func withClient<T>(
    _ endpoints: [String],
    configure: (inout EtcdClientConfiguration) -> Void = { _ in },
    _ body: (EtcdClient) async throws -> T
) async throws -> T {
    var configuration = EtcdClientConfiguration(endpoints: endpoints)
    configuration.requestTimeout = .seconds(5)
    configure(&configuration)
    let client = try EtcdClient(configuration: configuration)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Runs `body` with a fresh etcd and a client connected to it.
func withEtcdClient<T>(
    _ options: EtcdProcess.Options = .init(),
    configure: (inout EtcdClientConfiguration) -> Void = { _ in },
    _ body: (EtcdProcess, EtcdClient) async throws -> T
) async throws -> T {
    try await EtcdProcess.with(options) { etcd in
        try await withClient([etcd.clientURL], configure: configure) { client in
            try await body(etcd, client)
        }
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
/// - Returns: Whether the condition held in time.
func eventually(
    within timeout: Duration, _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
