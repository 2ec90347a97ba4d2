import Foundation

/// Serves `GET /fleet/v1/units/NAME/status` (beyond the original API): the fleetd that runs the
/// unit answers with `systemctl status`; any other fleetd forwards the request once to the API
/// URL that machine advertises (`?hop=1` marks a forwarded request, which is never forwarded
/// again). Errors: 404 no such unit, 400 global unit, 409 not running anywhere, 502 the
/// unit's machine advertises no API URL or cannot be reached, 508 a second hop.
public struct UnitStatusHandler: Sendable {
    /// The query parameter of a forwarded request.
    public static let hopParameter = UnitLocation.hopParameter

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
        guard let name = UnitLocation.unitName(request.path, leaf: "status") else { return nil }
        guard request.method == "GET" else {
            return .error(405, "only GET supported against this resource")
        }
        do {
            return try await status(name, forwarded: request.query[Self.hopParameter] != nil, path: request.path)
        } catch let failure as UnitLocation.Failure {
            return .error(failure.status, failure.message)
        } catch let failure as APIFailure {
            return .error(failure.status, failure.message)
        } catch {
            return .error(500, "cannot read the status of unit \(name): \(error)")
        }
    }

    private func status(_ name: String, forwarded: Bool, path: String) async throws -> APIResponse {
        switch try await UnitLocation.locate(name, registry: registry, machineID: machineID, forwarded: forwarded) {
        case .here:
            var report = try await reader.status(of: name)
            report.machineID = machineID
            return APIResponse(status: 200, contentType: "application/json", body: Array(try JSONEncoder().encode(report)))
        case .remote(let running, let apiURL):
            do {
                let answer = try await forward(apiURL, path, [Self.hopParameter: "1"])
                return APIResponse(status: answer.status, contentType: "application/json", body: answer.body)
            } catch {
                throw APIFailure(502, "machine \(running) of unit \(name) is unreachable at \(apiURL): \(error.message)")
            }
        }
    }

    /// Forwards over HTTP with a 5-second limit.
    public static let httpForward: Forward = httpForward(tls: HTTPAPITransport.TLSFiles())

    /// Forwards over HTTP with a 5-second limit; to an `https` API with these files (fleetd's
    /// own API certificate, so that a listener requiring client certificates lets it in).
    public static func httpForward(tls: HTTPAPITransport.TLSFiles) -> Forward {
        { apiURL, path, query throws(APIClientError) in try await send(apiURL, path, query, tls) }
    }

    private static func send(_ apiURL: String, _ path: String, _ query: [String: String], _ tls: HTTPAPITransport.TLSFiles) async throws(APIClientError) -> APITransportResponse {
        let transport = try HTTPAPITransport(endpoint: apiURL, requestTimeout: .seconds(5), tls: tls)
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
