import FleetCore
import Foundation

/// Reads a unit's status with `systemctl status -l --no-pager` (or `systemctl --user` when
/// fleetd drives the user's manager), for the API's status endpoint.
struct SystemctlStatusReader: UnitStatusReader {
    /// Talk to `systemd --user`.
    let user: Bool

    struct Failure: Error, CustomStringConvertible { let description: String }

    func status(of unit: String) async throws -> UnitStatusReport {
        let arguments = (user ? ["--user"] : []) + ["status", "-l", "--no-pager", "--", unit]
        // Process and its blocking reads stay off Swift's cooperative pool.
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/systemctl")
                process.arguments = arguments
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                process.standardInput = FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: Failure(description: "cannot run systemctl: \(error.localizedDescription)"))
                    return
                }
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                continuation.resume(returning: UnitStatusReport(name: unit, exitStatus: process.terminationStatus, output: text))
            }
        }
    }
}

/// The status reader of a fleetd whose units live in memory (tests): there is no systemctl to
/// ask, so every request is refused with a clear reason.
struct InMemoryStatusReader: UnitStatusReader {
    let machineID: String

    func status(of unit: String) async throws -> UnitStatusReport {
        throw SystemctlStatusReader.Failure(description: "fleetd on \(machineID) runs units in memory (unit_manager=memory); systemctl has no status for \(unit)")
    }
}

/// The journal reader of a fleetd whose units live in memory (tests): no journal to read.
struct InMemoryJournalReader: UnitJournalReader {
    let machineID: String

    var outputModes: [String] { ["short", "json", "cat"] }

    func journal(of unit: String, lines: Int, follow: Bool, output: String) async throws -> AsyncThrowingStream<String, any Error> {
        throw SystemctlStatusReader.Failure(description: "fleetd on \(machineID) runs units in memory (unit_manager=memory); there is no journal of \(unit)")
    }
}
