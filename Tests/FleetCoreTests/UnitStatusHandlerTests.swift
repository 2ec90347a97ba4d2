import Foundation
import Synchronization
import Testing
@testable import FleetCore

/// `GET /fleet/v1/units/NAME/status`: served where the unit runs, forwarded once elsewhere.
@Suite struct UnitStatusHandlerTests {
    static let here = "aaaa0000000000000000000000000000"
    static let there = "bbbb0000000000000000000000000000"

    struct Reader: UnitStatusReader {
        func status(of unit: String) async throws -> UnitStatusReport {
            UnitStatusReport(name: unit, exitStatus: unit.hasPrefix("dead") ? 3 : 0, output: "● \(unit)\n")
        }
    }

    /// Records forwarded requests and answers them.
    final class Forwarder: Sendable {
        let calls = Mutex<[(String, String, [String: String])]>([])
        let fail: Bool
        init(fail: Bool = false) { self.fail = fail }

        var forward: UnitStatusHandler.Forward {
            { url, path, query throws(APIClientError) in
                self.calls.withLock { $0.append((url, path, query)) }
                if self.fail { throw APIClientError(.transport, message: "connection refused") }
                return APITransportResponse(status: 200, body: Array(#"{"name":"x","machineID":"b","exitStatus":0,"output":"far"}"#.utf8))
            }
        }
    }

    let registry = Registry(store: InMemoryKeyValueStore())

    func setUp(thereURL: String = "http://10.0.0.2:49153") async throws -> Int64 {
        let lease = try await registry.store.grantLease(ttl: .seconds(3600))
        try await registry.registerMachine(MachineState(id: Self.here, publicIP: "10.0.0.1"), lease: lease)
        try await registry.registerMachine(MachineState(id: Self.there, publicIP: "10.0.0.2", apiURL: thereURL), lease: lease)
        let api = APIClient(transport: InProcessAPITransport(handler: APIHandler(registry: registry)))
        let service = [UnitOption(section: "Service", name: "ExecStart", value: "/bin/true")]
        for name in ["local.service", "dead.service", "remote.service", "idle.service"] {
            try await api.createUnit(name, options: service, desiredState: "launched")
        }
        try await api.createUnit("global.service", options: service + [UnitOption(section: "X-Fleet", name: "Global", value: "true")], desiredState: "launched")
        for (name, machine) in [("local.service", Self.here), ("dead.service", Self.here), ("remote.service", Self.there)] {
            try await registry.publishState(UnitStateRecord(hash: "", loadState: "loaded", activeState: "active", subState: "running", jobState: .launched),
                                            unit: name, machine: machine, lease: lease)
        }
        return lease
    }

    func get(_ handler: UnitStatusHandler, _ path: String, query: [String: String] = [:], method: String = "GET") async -> APIResponse? {
        await handler.handle(APIRequest(method: method, path: path, query: query))
    }

    func message(_ response: APIResponse?) -> String {
        String(decoding: response?.body ?? [], as: UTF8.self)
    }

    @Test func servesUnitsThatRunHere() async throws {
        _ = try await setUp()
        let handler = UnitStatusHandler(registry: registry, machineID: Self.here, reader: Reader(), forward: Forwarder().forward)
        let answer = await get(handler, "/fleet/v1/units/local.service/status")
        #expect(answer?.status == 200)
        #expect(answer?.contentType == "application/json")
        let report = try JSONDecoder().decode(UnitStatusReport.self, from: Data(answer?.body ?? []))
        #expect(report == UnitStatusReport(name: "local.service", machineID: Self.here, exitStatus: 0, output: "● local.service\n"))
        let dead = try JSONDecoder().decode(UnitStatusReport.self, from: Data(await get(handler, "/fleet/v1/units/dead.service/status")?.body ?? []))
        #expect(dead.exitStatus == 3)
    }

    @Test func forwardsOnceToTheMachineRunningTheUnit() async throws {
        _ = try await setUp()
        let forwarder = Forwarder()
        let handler = UnitStatusHandler(registry: registry, machineID: Self.here, reader: Reader(), forward: forwarder.forward)
        let answer = await get(handler, "/fleet/v1/units/remote.service/status")
        #expect(answer?.status == 200)
        #expect(message(answer).contains(#""output":"far""#))
        let calls = forwarder.calls.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls.first?.0 == "http://10.0.0.2:49153")
        #expect(calls.first?.1 == "/fleet/v1/units/remote.service/status")
        #expect(calls.first?.2 == ["hop": "1"])

        // A forwarded request that lands on the wrong machine is not forwarded again.
        let loop = await get(handler, "/fleet/v1/units/remote.service/status", query: ["hop": "1"])
        #expect(loop?.status == 508)
        #expect(forwarder.calls.withLock { $0.count } == 1)
    }

    @Test func unreachableOrUnadvertisedMachinesAre502() async throws {
        _ = try await setUp(thereURL: "")
        let none = UnitStatusHandler(registry: registry, machineID: Self.here, reader: Reader(), forward: Forwarder().forward)
        let noURL = await get(none, "/fleet/v1/units/remote.service/status")
        #expect(noURL?.status == 502)
        #expect(message(noURL).contains("machine \(Self.there) of unit remote.service advertises no API URL"))

        let lease = try await registry.store.grantLease(ttl: .seconds(3600))
        try await registry.registerMachine(MachineState(id: Self.there, publicIP: "10.0.0.2", apiURL: "http://10.0.0.2:1"), lease: lease)
        let failing = UnitStatusHandler(registry: registry, machineID: Self.here, reader: Reader(), forward: Forwarder(fail: true).forward)
        let down = await get(failing, "/fleet/v1/units/remote.service/status")
        #expect(down?.status == 502)
        #expect(message(down).contains("is unreachable at http://10.0.0.2:1: connection refused"))
    }

    @Test func badRequests() async throws {
        _ = try await setUp()
        let handler = UnitStatusHandler(registry: registry, machineID: Self.here, reader: Reader(), forward: Forwarder().forward)
        #expect(await get(handler, "/fleet/v1/units/nope.service/status")?.status == 404)
        #expect(await get(handler, "/fleet/v1/units/global.service/status")?.status == 400)
        #expect(await get(handler, "/fleet/v1/units/idle.service/status")?.status == 409)
        #expect(await get(handler, "/fleet/v1/units/local.service/status", method: "PUT")?.status == 405)
        // Everything else belongs to the ordinary handler.
        for path in ["/fleet/v1/units/local.service", "/fleet/v1/units", "/fleet/v1/units//status", "/fleet/v1/units/a/b/status", "/v1-alpha/units/a/status"] {
            #expect(await get(handler, path) == nil, "\(path)")
        }
    }

    @Test func theAdvertisedURLSurvivesTheRegistryAndOldRecordsReadAsNone() async throws {
        _ = try await setUp()
        let machines = try await registry.machines()
        #expect(machines.first { $0.id == Self.there }?.apiURL == "http://10.0.0.2:49153")
        #expect(machines.first { $0.id == Self.here }?.apiURL == "")
        let old = #"{"version":1,"id":"cccc","publicIP":"10.0.0.3","metadata":{}}"#
        let record = try JSONDecoder().decode(MachineRecord.self, from: Data(old.utf8))
        #expect(record.apiURL == nil)
        let written = String(decoding: try JSONEncoder().encode(MachineRecord(MachineState(id: "d"))), as: UTF8.self)
        #expect(!written.contains("apiURL"))
    }
}
