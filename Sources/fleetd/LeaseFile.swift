import Foundation
import Logging

/// Where fleetd leaves its machine lease for the next fleetd on this machine: `lease` in the
/// parent of the units directory (`/run/fleet/lease`), so it survives a restart of the
/// service but not a reboot. One line: the machine ID and the lease ID in hexadecimal (as
/// fleetd logs it); a lease recorded for another machine ID is never resumed.
struct LeaseFile: Sendable {
    let path: String

    init(unitsDirectory: String) {
        path = URL(fileURLWithPath: unitsDirectory).deletingLastPathComponent().appendingPathComponent("lease").path
    }

    /// The lease a previous fleetd of this machine left, if the file holds one.
    func read(machineID: String) -> Int64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, fields[0] == machineID else { return nil }
        return Int64(fields[1], radix: 16)
    }

    func write(_ lease: Int64, machineID: String, logger: Logger) {
        do {
            try "\(machineID) \(String(lease, radix: 16))\n".write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            logger.warning("cannot record the machine lease; a restart will re-register", metadata: [
                "path": "\(path)", "error": "\(error)",
            ])
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
