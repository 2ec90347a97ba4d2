import Foundation

/// Where the API finds a unit for the endpoints served by the unit's own fleetd (status,
/// journal): here, or at the API URL its machine advertises. A forwarded request is never
/// forwarded again.
public enum UnitLocation: Sendable, Equatable {
    case here
    case remote(machineID: String, apiURL: String)

    /// Why a unit cannot be served: an HTTP status and a message.
    public struct Failure: Error, Sendable {
        public let status: Int
        public let message: String

        init(_ status: Int, _ message: String) {
            self.status = status
            self.message = message
        }
    }

    /// The query parameter that marks a forwarded request.
    public static let hopParameter = "hop"

    /// Locates a unit.
    /// - Throws: `UnitLocation.Failure`: 404 no such unit, 400 global unit, 409 not running anywhere,
    ///   502 its machine advertises no API URL, 508 a forwarded request for another machine.
    public static func locate(_ name: String, registry: Registry, machineID: String, forwarded: Bool) async throws -> UnitLocation {
        guard let entry = try await registry.unitEntry(name) else {
            throw Failure(404, "unit \(name) does not exist")
        }
        guard !entry.unit.global else {
            throw Failure(400, "unit \(name) is global: ask each machine")
        }
        guard let running = entry.states.first(where: { $0.record.jobState != nil && $0.record.jobState != .inactive })?.machineID else {
            throw Failure(409, "unit \(name) does not appear to be loaded")
        }
        if running == machineID { return .here }
        guard !forwarded else {
            throw Failure(508, "unit \(name) runs on \(running), not on \(machineID) that this request was forwarded to")
        }
        let machine = try await registry.machines().first { $0.id == running }
        guard let apiURL = machine?.apiURL, !apiURL.isEmpty else {
            throw Failure(502, "machine \(running) of unit \(name) advertises no API URL")
        }
        return .remote(machineID: running, apiURL: apiURL)
    }

    /// The unit of `/fleet/v1/units/NAME/<leaf>`, nil for any other path.
    public static func unitName(_ path: String, leaf: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 6, segments[0].isEmpty, "/\(segments[1])/\(segments[2])" == APIHandler.basePath,
              segments[3] == "units", segments[5] == leaf, !segments[4].isEmpty else { return nil }
        return String(segments[4]).removingPercentEncoding ?? String(segments[4])
    }
}
