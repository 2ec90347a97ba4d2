import Foundation

/// What one simulator run measured, written as JSON for `scripts/plot-sim`.
struct SimulationReport: Codable, Sendable {
    /// One measured figure, with its target when the issue sets one.
    struct Figure: Codable, Sendable {
        var key: String
        var label: String
        var value: Double
        var unit: String
        var target: String?
        var met: Bool?
    }

    /// One point of the time series, `t` seconds after the units were submitted.
    struct Sample: Codable, Sendable {
        var t: Double
        /// Non-global units reported active somewhere.
        var activeUnits: Int
        /// Active states of global units (one per machine running one).
        var activeGlobalStates: Int
        /// etcd's cumulative counters at that moment.
        var puts: Double
        var txns: Double
        var ranges: Double
        var requests: Double
        var keepAlives: Double
    }

    /// When a phase began, in seconds after the submission.
    struct Phase: Codable, Sendable {
        var name: String
        var t: Double
    }

    var mode: String
    var machines: Int
    var units: Int
    var unitMix: [String: Int]
    var agentTTL: Int
    var shared: String
    var figures: [Figure] = []
    var phases: [Phase] = []
    var series: [Sample] = []
    var notes: [String] = []

    /// Adds a figure and prints it, with its target and whether it was met.
    mutating func record(_ key: String, _ label: String, _ value: Double, _ unit: String, target: String? = nil, met: Bool? = nil) {
        figures.append(Figure(key: key, label: label, value: value, unit: unit, target: target, met: met))
        var line = "  \(label): \(Self.format(value)) \(unit)"
        if let target { line += "   target \(target)" }
        if let met { line += met ? "   MET" : "   MISSED" }
        print(line)
        fflush(nil)
    }

    func figure(_ key: String) -> Figure? { figures.first { $0.key == key } }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return abs(value) >= 100 ? String(format: "%.0f", value) : abs(value) >= 1 ? String(format: "%.2f", value) : String(format: "%.3f", value)
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}
