import Foundation

/// One HTTP exchange with the fleet API, whatever carries it (a socket, TCP, or a direct call
/// into an `APIHandler` in tests).
public protocol APITransport: Sendable {
    /// Sends one request.
    /// - Parameters:
    ///   - method: `GET`, `PUT`, `DELETE`, `PATCH`.
    ///   - path: the full path (`/fleet/v1/units/hello.service`), percent-encoded.
    ///   - query: query parameters, not encoded.
    ///   - body: the request body (JSON), empty for none.
    /// - Returns: the status and body of the answer.
    /// - Throws: `APIClientError` (`.transport`) when no answer came.
    func send(method: String, path: String, query: [String: String], body: [UInt8]) async throws(APIClientError) -> APITransportResponse

    /// Releases connections; the transport is unusable afterwards.
    func shutdown() async
}

/// A transport that can also hand out an answer as it arrives (a followed journal).
public protocol StreamingAPITransport: APITransport {
    /// Sends one GET whose answer is read as it arrives. Only connecting and the response head
    /// are bounded by the request timeout; the body may last for ever.
    /// - Returns: the status and the body's chunks; the stream ends with the response and
    ///   stops reading when its consumer stops.
    /// - Throws: `APIClientError` (`.transport`) when no response head came.
    func stream(path: String, query: [String: String]) async throws(APIClientError) -> (status: Int, body: AsyncThrowingStream<[UInt8], any Error>)
}

/// The answer to one `APITransport.send`.
public struct APITransportResponse: Sendable, Hashable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// A typed client of API v1 (`/fleet/v1`), as fleetctl uses it. Lists follow every page.
public struct APIClient: Sendable {
    /// What carries the requests.
    public let transport: any APITransport

    /// - Parameter transport: what carries the requests.
    public init(transport: any APITransport) {
        self.transport = transport
    }

    // MARK: Units

    /// All units, every page, sorted by name as the server returns them.
    /// - Throws: `APIClientError`.
    public func units() async throws(APIClientError) -> [APIUnit] {
        var units: [APIUnit] = []
        var token: String?
        repeat {
            let page: APIUnitPage = try await get("/units", pageToken: token)
            units += page.units
            token = page.nextPageToken
        } while token != nil
        return units
    }

    /// One unit, or nil when the server says it does not exist (404).
    /// - Parameter name: the unit's name.
    /// - Throws: `APIClientError` for any other failure.
    public func unit(_ name: String) async throws(APIClientError) -> APIUnit? {
        do {
            return try await get("/units/" + Self.escape(name), pageToken: nil) as APIUnit
        } catch where error.status == 404 {
            return nil
        }
    }

    /// Creates a unit, or replaces the contents of an existing one (the server replaces when the
    /// options differ and keeps the unit when they are the same).
    /// - Parameters:
    ///   - name: the unit's name.
    ///   - options: its contents.
    ///   - desiredState: the state to give it; nil keeps the server's default (`inactive` for a
    ///     new unit, the current one for a replaced unit).
    /// - Throws: `APIClientError`.
    public func createUnit(_ name: String, options: [UnitOption], desiredState: String? = nil) async throws(APIClientError) {
        let unit = APIUnit(name: name, options: options, desiredState: desiredState ?? "")
        _ = try await call("PUT", "/units/" + Self.escape(name), body: try encode(unit), expecting: [200, 201, 204])
    }

    /// Changes the desired state of an existing unit.
    /// - Parameters:
    ///   - name: the unit's name.
    ///   - desiredState: `inactive`, `loaded` or `launched`.
    /// - Throws: `APIClientError`.
    public func setDesiredState(_ name: String, to desiredState: String) async throws(APIClientError) {
        let unit = APIUnit(name: name, desiredState: desiredState)
        _ = try await call("PUT", "/units/" + Self.escape(name), body: try encode(unit), expecting: [200, 204])
    }

    /// Removes a unit from the cluster.
    /// - Parameter name: the unit's name.
    /// - Returns: false when there was no such unit.
    /// - Throws: `APIClientError` for any other failure.
    @discardableResult
    public func destroyUnit(_ name: String) async throws(APIClientError) -> Bool {
        do {
            _ = try await call("DELETE", "/units/" + Self.escape(name), expecting: [200, 204])
            return true
        } catch where error.status == 404 {
            return false
        }
    }

    // MARK: States and machines

    /// The systemd states of units, every page, sorted by unit then machine.
    /// - Parameters:
    ///   - machineID: only this machine's states.
    ///   - unitName: only this unit's states.
    /// - Throws: `APIClientError`.
    public func unitStates(machineID: String? = nil, unitName: String? = nil) async throws(APIClientError) -> [APIUnitState] {
        var query: [String: String] = [:]
        if let machineID { query["machineID"] = machineID }
        if let unitName { query["unitName"] = unitName }
        var states: [APIUnitState] = []
        var token: String?
        repeat {
            let page: APIUnitStatePage = try await get("/state", query: query, pageToken: token)
            states += page.states
            token = page.nextPageToken
        } while token != nil
        return states
    }

    /// The active machines, every page.
    /// - Throws: `APIClientError`.
    public func machines() async throws(APIClientError) -> [APIMachine] {
        var machines: [APIMachine] = []
        var token: String?
        repeat {
            let page: APIMachinePage = try await get("/machines", pageToken: token)
            machines += page.machines
            token = page.nextPageToken
        } while token != nil
        return machines
    }

    /// Changes machine metadata with JSON-Patch operations on `/<machineID>/metadata/<key>`.
    /// - Parameter operations: applied all or none.
    /// - Throws: `APIClientError`.
    public func patchMachines(_ operations: [APIMachinePatchOperation]) async throws(APIClientError) {
        _ = try await call("PATCH", "/machines", body: try encode(operations), expecting: [200, 204])
    }

    // MARK: Diagnostics (beyond the original API)

    /// `systemctl status` of a unit, from the fleetd of the machine running it.
    /// - Throws: `APIClientError`; its status says why (404 also for a fleetd without this
    ///   endpoint, 502 when the unit's machine cannot be reached through the API).
    public func unitStatus(_ name: String) async throws(APIClientError) -> UnitStatusReport {
        try await get("/units/" + Self.escape(name) + "/status", pageToken: nil)
    }

    // MARK: Plumbing

    private func get<T: Decodable>(_ path: String, query: [String: String] = [:], pageToken: String?) async throws(APIClientError) -> T {
        var query = query
        if let pageToken { query["nextPageToken"] = pageToken }
        let body = try await call("GET", path, query: query, expecting: [200])
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw APIClientError(.invalidResponse, message: "cannot decode the answer to GET \(path): \(error)")
        }
    }

    private func call(
        _ method: String, _ path: String, query: [String: String] = [:], body: [UInt8] = [], expecting: Set<Int>
    ) async throws(APIClientError) -> [UInt8] {
        let response = try await transport.send(method: method, path: APIHandler.basePath + path, query: query, body: body)
        guard expecting.contains(response.status) else {
            throw APIClientError(status: response.status, body: response.body)
        }
        return response.body
    }

    private func encode(_ value: some Encodable) throws(APIClientError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw APIClientError(.invalidRequest, message: "cannot encode the request: \(error)")
        }
    }

    /// Percent-encodes one path segment (unit names may hold `@`, `:` and `\`).
    public static func escape(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@:")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}
