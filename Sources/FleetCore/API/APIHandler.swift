import Foundation

/// Serves API v1 (`/fleet/v1`) over the registry. Transport-free: fleetd's HTTP server turns
/// requests into `APIRequest`s and writes back `APIResponse`s.
///
/// Every write is validated completely before anything is stored, and each is a single
/// registry transaction, so a rejected request changes nothing.
public struct APIHandler: Sendable {
    /// The base path of every route.
    public static let basePath = "/fleet/v1"

    public let registry: Registry
    /// Page size of list responses (`token_limit`).
    public let tokenLimit: Int
    /// Request bodies larger than this are refused with 413.
    public let maxBodyBytes: Int

    /// - Parameters:
    ///   - registry: the cluster state.
    ///   - tokenLimit: page size of list responses.
    ///   - maxBodyBytes: the largest request body accepted (default 1 MiB, under etcd's
    ///     1.5 MiB request limit).
    public init(registry: Registry, tokenLimit: Int = 100, maxBodyBytes: Int = 1 << 20) {
        self.registry = registry
        self.tokenLimit = max(1, tokenLimit)
        self.maxBodyBytes = maxBodyBytes
    }

    /// Answers one request; never throws (failures become JSON errors).
    public func handle(_ request: APIRequest) async -> APIResponse {
        guard request.body.count <= maxBodyBytes else {
            return .error(413, "request body too large (limit \(maxBodyBytes) bytes)")
        }
        guard request.path == Self.basePath || request.path.hasPrefix(Self.basePath + "/") else {
            return .error(404, "not found")
        }
        let segments = request.path.dropFirst(Self.basePath.count).split(separator: "/").map {
            String($0).removingPercentEncoding ?? String($0)
        }
        do {
            switch (segments.first, segments.count) {
            case ("units", 1):
                return try await only(request, "GET") { try await listUnits(request) }
            case ("units", 2):
                let name = segments[1]
                switch request.method {
                case "GET": return try await getUnit(name)
                case "PUT": return try await putUnit(name, request.body)
                case "DELETE": return try await deleteUnit(name)
                default: return methodNotAllowed(request, allowed: "GET, PUT, DELETE")
                }
            case ("state", 1):
                return try await only(request, "GET") { try await listStates(request) }
            case ("machines", 1):
                switch request.method {
                case "GET": return try await listMachines(request)
                case "PATCH": return try await patchMachines(request.body)
                default: return methodNotAllowed(request, allowed: "GET, PATCH")
                }
            case ("discovery", 1), ("discovery.json", 1):
                return try await only(request, "GET") {
                    APIResponse(status: 200, contentType: "application/json", body: Array(APIDiscovery.document.utf8))
                }
            default:
                return .error(404, "not found")
            }
        } catch let failure as APIFailure {
            return .error(failure.status, failure.message)
        } catch {
            return .error(500, "registry request failed: \(error)")
        }
    }

    // MARK: Units

    private func listUnits(_ request: APIRequest) async throws -> APIResponse {
        let after = try pageCursor(request, collection: "units")
        let page = try await registry.unitPage(after: after, limit: tokenLimit)
        let units = page.entries.map(apiUnit)
        let next = page.more ? units.last.map { PageToken(collection: "units", after: $0.name).encoded } : nil
        return .json(200, APIUnitPage(units: units, nextPageToken: next))
    }

    private func getUnit(_ name: String) async throws -> APIResponse {
        guard let entry = try await registry.unitEntry(name) else { return .error(404, "unit does not exist") }
        return .json(200, apiUnit(entry))
    }

    private func putUnit(_ name: String, _ body: [UInt8]) async throws -> APIResponse {
        let unit: APIUnit
        do {
            unit = try JSONDecoder().decode(APIUnit.self, from: Data(body))
        } catch {
            return .error(400, "unable to decode body: \(error)")
        }
        if !unit.name.isEmpty && unit.name != name {
            return .error(400, "name in body (\(unit.name)) does not match name in URL (\(name))")
        }
        let unitName: UnitName
        do {
            unitName = try UnitName(name)
        } catch {
            return .error(400, error.description)
        }
        var desired: JobState?
        if !unit.desiredState.isEmpty {
            guard let state = JobState(rawValue: unit.desiredState) else {
                return .error(400, "invalid desiredState: \(unit.desiredState) (expected inactive, loaded or launched)")
            }
            desired = state
        }

        let existing = try await registry.unit(name)
        if unit.options.isEmpty {
            guard let existing else { return .error(409, "unit does not exist and options field empty") }
            guard let desired else { return .error(400, "must provide desiredState to update an existing unit") }
            guard try await registry.setDesiredState(existing.name, to: desired) else {
                return .error(409, "unit was destroyed while being updated")
            }
            return .empty(204)
        }

        let record = try validatedRecord(unitName, unit.options)
        try await refuseCycles(record, unitName)
        if let existing {
            if existing.hash == record.hash {
                guard let desired else { return .empty(204) }
                guard try await registry.setDesiredState(name, to: desired) else {
                    return .error(409, "unit was destroyed while being updated")
                }
                return .empty(204)
            }
            let current = try await registry.desiredState(name)?.state ?? .inactive
            guard try await registry.replaceUnit(record, desiredState: desired ?? current) else {
                return .error(409, "unit changed while being replaced; retry")
            }
            return .empty(204)
        }
        guard try await registry.createUnit(record, desiredState: desired ?? .inactive) else {
            return .error(409, "unit \(name) already exists")
        }
        return .empty(201)
    }

    private func deleteUnit(_ name: String) async throws -> APIResponse {
        try await registry.destroyUnit(name) ? .empty(204) : .error(404, "unit does not exist")
    }

    /// Checks options completely before anything is written: systemd syntax, `[X-Fleet]`.
    private func validatedRecord(_ name: UnitName, _ options: [UnitOption]) throws(APIFailure) -> UnitRecord {
        let file: UnitFile
        do {
            file = try UnitFile(validatingOptions: options)
        } catch {
            throw APIFailure(400, "invalid unit options: \(error.description)")
        }
        let xfleet: XFleetOptions
        do {
            xfleet = try XFleetOptions(unitFile: file, name: name)
        } catch {
            throw APIFailure(400, "invalid unit: \(error.description)")
        }
        return UnitRecord(name: name.rawValue, options: file.options, hash: file.hash.hex, global: xfleet.requirements.global)
    }

    /// Refuses a unit whose `MachineOf=` or `Replaces=` closes a circle with units already
    /// stored (`a` replacing `b` replacing `a`), naming the circle. Only the units reachable
    /// from this one are read. Two racing submissions could still close one; the scheduler
    /// then places neither's takeover (see `Scheduler`).
    private func refuseCycles(_ record: UnitRecord, _ name: UnitName) async throws {
        guard let own = try? UnitRequirements(unitFile: UnitFile(options: record.options), name: name) else { return }
        var requirements = [record.name: own]
        var pending = Array(Set(own.machineOf + own.replaces))
        while let next = pending.popLast(), requirements.count < 1_000 {
            guard requirements[next] == nil, let stored = try await registry.unit(next),
                  let parsed = try? UnitRequirements(unitFile: UnitFile(options: stored.options), name: try? UnitName(next))
            else { continue }
            requirements[next] = parsed
            pending += (parsed.machineOf + parsed.replaces).filter { requirements[$0] == nil }
        }
        let cycles = UnitRequirements.validate(requirements).filter { error in
            switch error.kind {
            case .circularMachineOf(let units), .circularReplaces(let units): units.contains(record.name)
            default: false
            }
        }
        if let cycle = cycles.first { throw APIFailure(400, "invalid unit: \(cycle.description)") }
    }

    private func apiUnit(_ entry: UnitPageEntry) -> APIUnit {
        var unit = APIUnit(name: entry.unit.name, options: entry.unit.options, desiredState: entry.desired?.state.rawValue ?? "")
        guard !entry.unit.global else { return unit }
        if let placed = entry.states.first(where: { $0.record.jobState != nil }) {
            unit.currentState = placed.record.jobState!.rawValue
            unit.machineID = placed.machineID
        } else {
            unit.currentState = JobState.inactive.rawValue
        }
        return unit
    }

    // MARK: States

    private func listStates(_ request: APIRequest) async throws -> APIResponse {
        var after: (unit: String, machine: String)?
        if let cursor = try pageCursor(request, collection: "state") {
            let parts = cursor.split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else { throw APIFailure(400, "invalid page token") }
            after = (String(parts[0]), String(parts[1]))
        }
        let unitName = request.query["unitName"].flatMap { $0.isEmpty ? nil : $0 }
        let machineID = request.query["machineID"].flatMap { $0.isEmpty ? nil : $0 }
        // The machine filter applies after the range read, so keep reading until a page fills.
        var states: [APIUnitState] = []
        var more = true
        while more && states.count < tokenLimit {
            let page = try await registry.states(unit: unitName, after: after, limit: tokenLimit)
            more = page.more
            for state in page.states {
                // A full page: what is left of this range page belongs to the next page.
                if states.count == tokenLimit {
                    more = true
                    break
                }
                after = (state.unit, state.machineID)
                guard machineID == nil || state.machineID == machineID else { continue }
                states.append(APIUnitState(
                    name: state.unit, hash: state.record.hash, machineID: state.machineID,
                    systemdLoadState: state.record.loadState, systemdActiveState: state.record.activeState,
                    systemdSubState: state.record.subState, systemdLoadError: state.record.loadError))
            }
            if page.states.isEmpty { break }
        }
        let next = more ? states.last.map { PageToken(collection: "state", after: "\($0.name)/\($0.machineID)").encoded } : nil
        return .json(200, APIUnitStatePage(states: states, nextPageToken: next))
    }

    // MARK: Machines

    private func listMachines(_ request: APIRequest) async throws -> APIResponse {
        let after = try pageCursor(request, collection: "machines")
        let all = try await registry.machines()
        let rest = after.map { cursor in all.filter { $0.id > cursor } } ?? all
        let page = rest.prefix(tokenLimit).map { APIMachine(id: $0.id, primaryIP: $0.publicIP, metadata: $0.metadata) }
        let next = rest.count > tokenLimit ? page.last.map { PageToken(collection: "machines", after: $0.id).encoded } : nil
        return .json(200, APIMachinePage(machines: Array(page), nextPageToken: next))
    }

    private func patchMachines(_ body: [UInt8]) async throws -> APIResponse {
        let operations: [APIMachinePatchOperation]
        do {
            operations = try JSONDecoder().decode([APIMachinePatchOperation].self, from: Data(body))
        } catch {
            return .error(400, "unable to decode body: \(error)")
        }
        var overrides = try await registry.metadataOverrides()
        var touched: [String: MetadataOverrideRecord] = [:]
        for operation in operations {
            let parts = operation.path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0].isEmpty, !parts[1].isEmpty, parts[2] == "metadata", !parts[3].isEmpty else {
                return .error(400, "invalid path \"\(operation.path)\": expected /<machineID>/metadata/<key>")
            }
            let machine = String(parts[1]), key = String(parts[3])
            var record = touched[machine] ?? overrides[machine] ?? MetadataOverrideRecord()
            switch operation.op {
            case "add", "replace":
                guard let value = operation.value, !value.isEmpty else {
                    return .error(400, "operation \(operation.op) on \(operation.path) needs a non-empty string value")
                }
                record.set[key] = value
                record.removed.remove(key)
            case "remove":
                record.set[key] = nil
                record.removed.insert(key)
            default:
                return .error(400, "invalid op \"\(operation.op)\": expected add, remove or replace")
            }
            touched[machine] = record
            overrides[machine] = record
        }
        // All or nothing means one transaction, and etcd bounds a transaction's operations.
        guard touched.count <= registry.maxOperationsPerTransaction else {
            throw APIFailure(400, "a patch may change the metadata of at most \(registry.maxOperationsPerTransaction) machines at once")
        }
        if !touched.isEmpty { try await registry.setMetadataOverrides(touched) }
        return .empty(204)
    }

    // MARK: Helpers

    private func pageCursor(_ request: APIRequest, collection: String) throws(APIFailure) -> String? {
        guard let text = request.query["nextPageToken"] else { return nil }
        guard let token = PageToken(decoding: text, collection: collection) else {
            throw APIFailure(400, "invalid page token")
        }
        return token.after
    }

    private func only(_ request: APIRequest, _ method: String, _ body: () async throws -> APIResponse) async throws -> APIResponse {
        guard request.method == method else { return methodNotAllowed(request, allowed: method) }
        return try await body()
    }

    private func methodNotAllowed(_ request: APIRequest, allowed: String) -> APIResponse {
        .error(405, "method \(request.method) not allowed on \(request.path) (allowed: \(allowed))")
    }
}

/// A request the API refuses: becomes `{"error":{"code":status,"message":…}}`.
struct APIFailure: Error {
    let status: Int
    let message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}
