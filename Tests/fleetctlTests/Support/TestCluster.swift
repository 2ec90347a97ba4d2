import FleetCore
import Foundation
import Synchronization
@testable import fleetctl

/// A cluster for fleetctl tests: a registry in memory served by `APIHandler` through the
/// in-process transport, a temporary directory for unit files, and a hook that plays the agent
/// while fleetctl waits.
final class TestCluster: Sendable {
    let store = InMemoryKeyValueStore()
    let registry: Registry
    let handler: APIHandler
    /// The status endpoint, as the fleetd on `statusMachine` serves it; nil for an old fleetd.
    let statusHandler: UnitStatusHandler?
    let directory: String
    private let lease = Mutex<Int64?>(nil)
    /// Runs at each of fleetctl's waits between polls (the agent's turn); counts them.
    private let onSleep = Mutex<[@Sendable (TestCluster) async throws -> Void]>([])
    private let sleeps = Mutex(0)

    static let m1 = "113f16a7a0b7492aa4eb1b1d7e3c5d7a"
    static let m2 = "2c9e1f0b5d3a4c6e8f7a9b0c1d2e3f40"

    /// - Parameters:
    ///   - tokenLimit: page size; small so listings cross pages.
    ///   - statusReader: serves `GET /units/NAME/status` as the fleetd on `statusMachine`;
    ///     nil answers it as a fleetd without that endpoint (404).
    ///   - forward: how that fleetd reaches others.
    init(tokenLimit: Int = 2, statusReader: (any UnitStatusReader)? = nil, statusMachine: String = TestCluster.m1,
         forward: @escaping UnitStatusHandler.Forward = UnitStatusHandler.httpForward) {
        let registry = Registry(store: store)
        self.registry = registry
        handler = APIHandler(registry: registry, tokenLimit: tokenLimit)
        statusHandler = statusReader.map { UnitStatusHandler(registry: registry, machineID: statusMachine, reader: $0, forward: forward) }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleetctl-tests-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    var client: APIClient { APIClient(transport: transport) }

    /// The API as fleetctl reaches it here: the status endpoint first, then the rest.
    var transport: any APITransport { TestTransport(status: statusHandler, api: InProcessAPITransport(handler: handler)) }
    var sleepCount: Int { sleeps.withLock { $0 } }

    /// The result of one invocation.
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs fleetctl against this cluster.
    func run(_ arguments: String..., environment: [String: String] = [:]) async -> Result {
        await run(arguments, environment: environment)
    }

    /// - Parameter http: reach the API the real way (`--endpoint`), not in process.
    func run(_ arguments: [String], environment: [String: String] = [:], io: ProcessIO = .standard, http: Bool = false) async -> Result {
        let output = CapturedOutput()
        let transport = transport
        let status = await Fleetctl.run(
            arguments, environment: environment, console: output.console, workingDirectory: directory,
            connect: http ? Fleetctl.httpTransport : { _ in transport },
            sleep: { _ in await self.agentTurn() }, io: io)
        return Result(status: status, stdout: output.stdout, stderr: output.stderr)
    }

    /// Queues what happens at the next wait (one action per wait, in order).
    func atNextWait(_ action: @escaping @Sendable (TestCluster) async throws -> Void) {
        onSleep.withLock { $0.append(action) }
    }

    private func agentTurn() async {
        sleeps.withLock { $0 += 1 }
        let action = onSleep.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        try? await action?(self)
    }

    private func currentLease() async throws -> Int64 {
        if let lease = lease.withLock({ $0 }) { return lease }
        let granted = try await store.grantLease(ttl: .seconds(3600))
        lease.withLock { $0 = granted }
        return granted
    }

    /// Registers a machine.
    func addMachine(_ id: String, ip: String = "", metadata: [String: String] = [:], apiURL: String = "") async throws {
        try await registry.registerMachine(MachineState(id: id, publicIP: ip, metadata: metadata, apiURL: apiURL), lease: try await currentLease())
    }

    /// Publishes a unit's state as the agent on `machine` would.
    func report(_ unit: String, on machine: String, _ job: JobState?, load: String = "loaded", active: String = "active", sub: String = "running", hash: String = "") async throws {
        let record = UnitStateRecord(hash: hash, loadState: load, activeState: active, subState: sub, jobState: job)
        try await registry.publishState(record, unit: unit, machine: machine, lease: try await currentLease())
    }

    /// Writes a unit file into the directory.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Submits a unit straight through the API.
    func submit(_ name: String, _ contents: String, desiredState: String? = nil) async throws {
        try await client.createUnit(name, options: UnitFile(parsing: contents).options, desiredState: desiredState)
    }

    static let hello = """
        [Unit]
        Description=Hello World

        [Service]
        ExecStart=/bin/sh -c "while true; do echo hi; sleep 1; done"

        """

    static let global = """
        [Service]
        ExecStart=/bin/true

        [X-Fleet]
        Global=true

        """
}

/// The in-process API with the status endpoint in front, as fleetd composes them.
struct TestTransport: APITransport {
    let status: UnitStatusHandler?
    let api: InProcessAPITransport

    func send(method: String, path: String, query: [String: String], body: [UInt8]) async throws(APIClientError) -> APITransportResponse {
        if let answer = await status?.handle(APIRequest(method: method, path: path, query: query, body: body)) {
            return APITransportResponse(status: answer.status, body: answer.body)
        }
        return try await api.send(method: method, path: path, query: query, body: body)
    }

    func shutdown() async {}
}

/// A status reader with a fixed answer, counting its calls.
final class FixedStatusReader: UnitStatusReader {
    let output: String
    let exitStatus: Int32
    private let calls = Mutex<[String]>([])

    init(output: String, exitStatus: Int32 = 0) {
        self.output = output
        self.exitStatus = exitStatus
    }

    var units: [String] { calls.withLock { $0 } }

    func status(of unit: String) async throws -> UnitStatusReport {
        calls.withLock { $0.append(unit) }
        return UnitStatusReport(name: unit, exitStatus: exitStatus, output: output.replacingOccurrences(of: "NAME", with: unit))
    }
}
