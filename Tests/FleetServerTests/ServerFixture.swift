import Foundation
import AsyncHTTPClient
import FleetCore
import FleetServer
import Logging

/// A registry-backed `APIHandler`, as fleetd wires it.
func registryHandler() -> @Sendable (APIRequest) async -> APIResponse {
    let handler = APIHandler(registry: Registry(store: InMemoryKeyValueStore()))
    return { request in await handler.handle(request) }
}

/// Starts a server, runs `body`, and shuts the server down even when `body` throws.
func withServer<R>(
    _ configuration: APIServerConfiguration,
    handler: @escaping @Sendable (APIRequest) async -> APIResponse = registryHandler(),
    streamingHandler: StreamingHandler? = nil,
    _ body: (APIServer) async throws -> R
) async throws -> R {
    let server = APIServer(
        configuration: configuration,
        handler: handler,
        streamingHandler: streamingHandler,
        logger: Logger(label: "fleet.server.test")
    )
    try await server.start()
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// Where a test's unix socket lives.
func socketConfiguration(_ directory: TestDirectory, maxBodyBytes: Int = 1 << 20) -> APIServerConfiguration {
    APIServerConfiguration(unixSocketPath: directory.path("fleet.sock"), maxBodyBytes: maxBodyBytes)
}

/// A unit PUT body with one option.
let helloUnitBody = #"{"desiredState":"launched","options":[{"section":"Service","name":"ExecStart","value":"/bin/sleep 1000"}]}"#

/// A gate a handler waits at until the test opens it.
final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let arrivals: AsyncStream<Void>
    private let arrivalContinuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream()
        (arrivals, arrivalContinuation) = AsyncStream.makeStream()
    }

    /// Called by the handler: reports arrival, then waits until opened.
    func pass() async {
        arrivalContinuation.yield()
        for await _ in stream { break }
    }

    /// Waits until a handler has arrived at the gate.
    func waitForArrival() async {
        for await _ in arrivals { break }
    }

    func open() { continuation.finish() }
}

/// Waits until `condition` holds (polling), failing after about five seconds.
func waitUntil(_ what: String, _ condition: () async -> Bool) async throws {
    for _ in 0..<500 {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw RawHTTPConnection.Failure(description: "timed out waiting until \(what)")
}

/// Whether a new connection to `endpoint` is refused.
func connectionIsRefused(_ endpoint: RawHTTPConnection.Endpoint) async -> Bool {
    do {
        try await RawHTTPConnection.with(endpoint) { _ in }
        return false
    } catch {
        return true
    }
}

/// `http+unix://` URL of `path` on the socket at `socketPath`.
func unixURL(_ socketPath: String, _ path: String) -> String {
    "http+unix://\(socketPath.addingPercentEncoding(withAllowedCharacters: .urlHostAllowed)!)\(path)"
}

/// Runs `body` with an AsyncHTTPClient, shutting it down afterwards.
func withHTTPClient<R>(
    _ configuration: HTTPClient.Configuration = HTTPClient.Configuration(),
    _ body: (HTTPClient) async throws -> R
) async throws -> R {
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}
