import Foundation

/// Serves `GET /fleet/v1/units/NAME/status` (beyond the original API): the fleetd that runs the
/// unit answers with `systemctl status`; any other fleetd forwards the request once to the API
/// URL that machine advertises (`?hop=1` marks a forwarded request, which is never forwarded
/// again). Errors: 404 no such unit, 400 global unit, 409 not running anywhere, 502 the
/// unit's machine advertises no API URL or cannot be reached, 508 a second hop.
public struct UnitStatusHandler: Sendable {
    /// The query parameter of a forwarded request.
    public static let hopParameter = "hop"

    /// Sends a request to another fleetd's API.
    public typealias Forward = @Sendable (_ apiURL: String, _ path: String, _ query: [String: String]) async throws(APIClientError) -> APITransportResponse

    let registry: Registry
    let machineID: String
    let reader: any UnitStatusReader
    let forward: Forward

    /// - Parameters:
    ///   - registry: the cluster state.
    ///   - machineID: this machine.
    ///   - reader: reads a unit's status on this machine.
    ///   - forward: reaches another fleetd (HTTP by default).
    public init(registry: Registry, machineID: String, reader: any UnitStatusReader, forward: @escaping Forward = UnitStatusHandler.httpForward) {
        self.registry = registry
        self.machineID = machineID
        self.reader = reader
        self.forward = forward
    }

    /// Answers a status request; nil for any other request.
    public func handle(_ request: APIRequest) async -> APIResponse? {
        guard let name = Self.unitName(request.path) else { return nil }
        guard request.method == "GET" else {
            return .error(405, "only GET supported against this resource")
        }
        do {
            return try await status(name, forwarded: request.query[Self.hopParameter] != nil, path: request.path)
        } catch let failure as APIFailure {
            return .error(failure.status, failure.message)
        } catch {
            return .error(500, "cannot read the status of unit \(name): \(error)")
        }
    }

    /// The unit of a `/fleet/v1/units/NAME/status` path.
    static func unitName(_ path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 6, segments[0].isEmpty, "/\(segments[1])/\(segments[2])" == APIHandler.basePath,
              segments[3] == "units", segments[5] == "status", !segments[4].isEmpty else { return nil }
        return String(segments[4]).removingPercentEncoding ?? String(segments[4])
    }

    private func status(_ name: String, forwarded: Bool, path: String) async throws -> APIResponse {
        guard let entry = try await registry.unitEntry(name) else {
            throw APIFailure(404, "unit \(name) does not exist")
        }
        guard !entry.unit.global else {
            throw APIFailure(400, "unit \(name) is global: ask for its status on each machine")
        }
        guard let running = entry.states.first(where: { $0.record.jobState != nil && $0.record.jobState != .inactive })?.machineID else {
            throw APIFailure(409, "unit \(name) does not appear to be loaded")
        }
        if running == machineID {
            var report = try await reader.status(of: name)
            report.machineID = machineID
            return APIResponse(status: 200, contentType: "application/json", body: Array(try JSONEncoder().encode(report)))
        }
        guard !forwarded else {
            throw APIFailure(508, "unit \(name) runs on \(running), not on \(machineID) that this request was forwarded to")
        }
        let machine = try await registry.machines().first { $0.id == running }
        guard let apiURL = machine?.apiURL, !apiURL.isEmpty else {
            throw APIFailure(502, "machine \(running) of unit \(name) advertises no API URL")
        }
        do {
            let answer = try await forward(apiURL, path, [Self.hopParameter: "1"])
            return APIResponse(status: answer.status, contentType: "application/json", body: answer.body)
        } catch {
            throw APIFailure(502, "machine \(running) of unit \(name) is unreachable at \(apiURL): \(error.message)")
        }
    }

    /// Forwards over HTTP with a 5-second limit.
    public static let httpForward: Forward = { apiURL, path, query throws(APIClientError) in
        let transport = try HTTPAPITransport(endpoint: apiURL, requestTimeout: .seconds(5))
        let answer: Result<APITransportResponse, APIClientError>
        do throws(APIClientError) {
            answer = .success(try await transport.send(method: "GET", path: path, query: query, body: []))
        } catch {
            answer = .failure(error)
        }
        await transport.shutdown()
        return try answer.get()
    }
}
