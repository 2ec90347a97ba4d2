import Foundation
import Testing
@testable import FleetCore

@Suite struct APIHandlerTests {
    let store = InMemoryKeyValueStore(clock: ManualClock())
    var registry: Registry { Registry(store: store) }
    var api: APIHandler { APIHandler(registry: registry, tokenLimit: 2, maxBodyBytes: 4096) }

    static let helloOptions = [
        UnitOption(section: "Unit", name: "Description", value: "Hello"),
        UnitOption(section: "Service", name: "ExecStart", value: "/bin/sh -c 'while true; do echo hi; sleep 1; done'"),
    ]

    func send(_ method: String, _ target: String, _ body: String = "") async -> APIResponse {
        await api.handle(APIRequest(method: method, target: "/fleet/v1" + target, body: Array(body.utf8)))
    }

    func put(_ name: String, _ unit: APIUnit) async throws -> APIResponse {
        await send("PUT", "/units/\(name)", String(decoding: try JSONEncoder().encode(unit), as: UTF8.self))
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: APIResponse) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(response.body))
    }

    func errorMessage(_ response: APIResponse) throws -> String {
        #expect(response.contentType == "application/json")
        let body = try decode(APIErrorBody.self, response)
        #expect(body.error.code == response.status)
        return body.error.message
    }

    @Test func createGetChangeAndDestroyAUnit() async throws {
        let created = try await put("hello.service", APIUnit(name: "hello.service", options: Self.helloOptions, desiredState: "launched"))
        #expect(created.status == 201)
        let fetched = await send("GET", "/units/hello.service")
        #expect(fetched.status == 200)
        let unit = try decode(APIUnit.self, fetched)
        #expect(unit.options == Self.helloOptions)
        #expect(unit.desiredState == "launched")
        #expect(unit.currentState == "inactive")
        #expect(unit.machineID == "")

        #expect(try await put("hello.service", APIUnit(desiredState: "loaded")).status == 204)
        #expect(try await registry.desiredState("hello.service")?.state == .loaded)

        #expect(await send("DELETE", "/units/hello.service").status == 204)
        let gone = await send("GET", "/units/hello.service")
        #expect(gone.status == 404)
        #expect(try errorMessage(gone) == "unit does not exist")
        #expect(await send("DELETE", "/units/hello.service").status == 404)
    }

    @Test func currentStateAndMachineComeFromTheAgentsReport() async throws {
        _ = try await put("hello.service", APIUnit(options: Self.helloOptions, desiredState: "launched"))
        let lease = try await store.grantLease(ttl: .seconds(30))
        try await registry.publishState(
            UnitStateRecord(hash: "h", loadState: "loaded", activeState: "active", subState: "running", jobState: .launched),
            unit: "hello.service", machine: "m1", lease: lease)
        let unit = try decode(APIUnit.self, await send("GET", "/units/hello.service"))
        #expect(unit.currentState == "launched")
        #expect(unit.machineID == "m1")
        let states = try decode(APIUnitStatePage.self, await send("GET", "/state?machineID=m1"))
        #expect(states.states == [APIUnitState(name: "hello.service", hash: "h", machineID: "m1",
                                               systemdLoadState: "loaded", systemdActiveState: "active", systemdSubState: "running")])
        #expect(try decode(APIUnitStatePage.self, await send("GET", "/state?machineID=m2")).states.isEmpty)
        // A file systemd rejected: its error is in the state (omitted when there is none).
        try await registry.publishState(
            UnitStateRecord(hash: "h", loadState: "bad-setting", activeState: "inactive", subState: "dead",
                            jobState: .loaded, loadError: "Service has no ExecStart= setting"),
            unit: "hello.service", machine: "m2", lease: lease)
        let rejected = await send("GET", "/state?machineID=m2")
        #expect(try decode(APIUnitStatePage.self, rejected).states.first?.systemdLoadError == "Service has no ExecStart= setting")
        #expect(String(decoding: await send("GET", "/state?machineID=m1").body, as: UTF8.self).contains("systemdLoadError") == false)
        #expect(try decode(APIUnitStatePage.self, await send("GET", "/state?unitName=hello.service")).states.count == 2)
    }

    @Test func filteredStatePagesNeverDropMatches() async throws {
        let lease = try await store.grantLease(ttl: .seconds(30))
        let record = UnitStateRecord(hash: "h", loadState: "loaded", activeState: "active", subState: "running", jobState: .launched)
        // With b on another machine, the second range read (c, d) fills the page at c: d must
        // come on the next page, not be dropped.
        for (unit, machine) in [("a", "m1"), ("b", "m2"), ("c", "m1"), ("d", "m1")] {
            try await registry.publishState(record, unit: "\(unit).service", machine: machine, lease: lease)
        }
        var names: [String] = []
        var target = "/state?machineID=m1"
        while true {
            let page = try decode(APIUnitStatePage.self, await send("GET", target))
            names += page.states.map(\.name)
            guard let token = page.nextPageToken else { break }
            target = "/state?machineID=m1&nextPageToken=\(token)"
        }
        #expect(names == ["a.service", "c.service", "d.service"])
    }

    @Test func badUnitRequestsAre4xxAndWriteNothing() async throws {
        let cases: [(String, String, Int)] = [
            ("hello.service", "{not json", 400),
            ("hello.service", #"{"name":"other.service","options":[{"section":"Service","name":"ExecStart","value":"/bin/true"}],"desiredState":"launched"}"#, 400),
            ("hello.service", #"{"options":[{"section":"Service","name":"ExecStart","value":"/bin/true"}],"desiredState":"running"}"#, 400),
            ("hello.service", #"{"desiredState":"launched"}"#, 409),
            ("bad%2Fname.service", #"{"options":[{"section":"Service","name":"ExecStart","value":"/bin/true"}],"desiredState":"launched"}"#, 400),
            ("hello.invalid", #"{"options":[{"section":"Service","name":"ExecStart","value":"/bin/true"}],"desiredState":"launched"}"#, 400),
            ("hello.service", #"{"options":[{"section":"X-Fleet","name":"Global","value":"true"},{"section":"X-Fleet","name":"MachineID","value":"abc"}],"desiredState":"launched"}"#, 400),
            ("hello.service", #"{"options":[{"section":"","name":"ExecStart","value":"/bin/true"}],"desiredState":"launched"}"#, 400),
            ("hello.service", "{\"options\":[{\"section\":\"Service\",\"name\":\"X\",\"value\":\"" + String(repeating: "a", count: 5000) + "\"}]}", 413),
        ]
        for (name, body, status) in cases {
            let response = await send("PUT", "/units/\(name)", body)
            #expect(response.status == status, "PUT \(name) \(body.prefix(80))")
            #expect(try errorMessage(response).isEmpty == false)
        }
        #expect(try await registry.units().units.isEmpty)
    }

    static func options(xfleet lines: [(String, String)]) -> [UnitOption] {
        helloOptions + lines.map { UnitOption(section: "X-Fleet", name: $0.0, value: $0.1) }
    }

    @Test func aUnitClosingAReplacesOrMachineOfCircleIsRefusedAndNotStored() async throws {
        #expect(try await put("a.service", APIUnit(options: Self.options(xfleet: [("Replaces", "b.service")]))).status == 201)
        #expect(try await put("b.service", APIUnit(options: Self.options(xfleet: [("Replaces", "c.service")]))).status == 201)
        let refused = try await put("c.service", APIUnit(options: Self.options(xfleet: [("Replaces", "a.service")])))
        #expect(refused.status == 400)
        #expect(try errorMessage(refused) == "invalid unit: unit a.service: circular Replaces: a.service -> b.service -> c.service -> a.service")
        #expect(try await registry.unit("c.service") == nil)

        #expect(try await put("f.service", APIUnit(options: Self.options(xfleet: [("MachineOf", "g.service")]))).status == 201)
        let follower = try await put("g.service", APIUnit(options: Self.options(xfleet: [("MachineOf", "f.service")])))
        #expect(follower.status == 400)
        #expect(try errorMessage(follower).contains("circular MachineOf"))
        // A chain that does not come back is fine, and so is a reference to a unit not stored.
        #expect(try await put("c.service", APIUnit(options: Self.options(xfleet: [("Replaces", "z.service")]))).status == 201)
    }

    @Test func replacingContentsKeepsTheDesiredState() async throws {
        _ = try await put("hello.service", APIUnit(options: Self.helloOptions, desiredState: "launched"))
        let newOptions = [UnitOption(section: "Service", name: "ExecStart", value: "/bin/sleep 100")]
        #expect(try await put("hello.service", APIUnit(options: newOptions)).status == 204)
        #expect(try await registry.unit("hello.service")?.options == newOptions)
        #expect(try await registry.desiredState("hello.service")?.state == .launched)
        // Same contents again: only the desired state changes.
        #expect(try await put("hello.service", APIUnit(options: newOptions, desiredState: "loaded")).status == 204)
        #expect(try await registry.desiredState("hello.service")?.state == .loaded)
    }

    @Test func listsArePagedByTokenLimit() async throws {
        for name in ["a", "b", "c", "d", "e"] {
            #expect(try await put("\(name).service", APIUnit(options: Self.helloOptions, desiredState: "inactive")).status == 201)
        }
        var names: [String] = []
        var target = "/units"
        var pages = 0
        while true {
            let page = try decode(APIUnitPage.self, await send("GET", target))
            names += page.units.map(\.name)
            pages += 1
            guard let token = page.nextPageToken else { break }
            target = "/units?nextPageToken=\(token)"
        }
        #expect(names == ["a.service", "b.service", "c.service", "d.service", "e.service"])
        #expect(pages == 3)
        let bad = await send("GET", "/units?nextPageToken=garbage")
        #expect(bad.status == 400)
        #expect(try errorMessage(bad) == "invalid page token")
        // A token of another collection is refused too.
        let machinesToken = PageToken(collection: "machines", after: "x").encoded
        #expect(await send("GET", "/units?nextPageToken=\(machinesToken)").status == 400)
    }

    @Test func machinesAndMetadataPatches() async throws {
        let lease = try await store.grantLease(ttl: .seconds(30))
        for (id, ip) in [("m1", "10.0.0.1"), ("m2", "10.0.0.2"), ("m3", "10.0.0.3")] {
            try await registry.registerMachine(MachineState(id: id, publicIP: ip, metadata: ["role": "web"]), lease: lease)
        }
        let first = try decode(APIMachinePage.self, await send("GET", "/machines"))
        #expect(first.machines.map(\.id) == ["m1", "m2"])
        let token = try #require(first.nextPageToken)
        #expect(try decode(APIMachinePage.self, await send("GET", "/machines?nextPageToken=\(token)")).machines.map(\.id) == ["m3"])

        let patch = #"[{"op":"add","path":"/m1/metadata/region","value":"east"},{"op":"remove","path":"/m1/metadata/role"},{"op":"replace","path":"/m2/metadata/role","value":"db"}]"#
        #expect(await send("PATCH", "/machines", patch).status == 204)
        let machines = try await registry.machines()
        #expect(machines[0].metadata == ["region": "east"])
        #expect(machines[1].metadata == ["role": "db"])

        for bad in [
            #"[{"op":"move","path":"/m1/metadata/region","value":"x"}]"#,
            #"[{"op":"add","path":"/m1/region","value":"x"}]"#,
            #"[{"op":"add","path":"/m1/metadata/region"}]"#,
            #"[{"op":"add","path":"/m1/metadata/zone","value":"a"},{"op":"add","path":"m1","value":"x"}]"#,
            "{}",
        ] {
            let response = await send("PATCH", "/machines", bad)
            #expect(response.status == 400, "\(bad)")
        }
        // The rejected batch wrote nothing, not even its valid first operation.
        #expect(try await registry.machines()[0].metadata == ["region": "east"])

        // Overrides survive the machine leaving and rejoining.
        try await store.revokeLease(lease)
        #expect(try await registry.machines().isEmpty)
        let again = try await store.grantLease(ttl: .seconds(30))
        try await registry.registerMachine(MachineState(id: "m1", publicIP: "10.0.0.1", metadata: ["role": "web"]), lease: again)
        #expect(try await registry.machines()[0].metadata == ["region": "east"])
    }

    @Test func discoveryMethodsAndUnknownPaths() async throws {
        let discovery = await send("GET", "/discovery")
        #expect(discovery.status == 200)
        let document = try JSONSerialization.jsonObject(with: Data(discovery.body)) as? [String: Any]
        #expect(document?["id"] as? String == "fleet:v1")
        #expect(await send("POST", "/units").status == 405)
        #expect(await send("GET", "/nothing").status == 404)
        #expect(await api.handle(APIRequest(method: "GET", path: "/other")).status == 404)
    }
}
