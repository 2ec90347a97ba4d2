import FleetCore
import Foundation

/// Where fleetd's configuration comes from, kept so SIGHUP can read it again the same way.
struct ConfigurationSource: Sendable {
    /// The default file, used when present.
    static let defaultFile = "/etc/fleet/fleet.conf"

    /// `-config FILE`, if given (then it must exist).
    var explicitFile: String?
    var flags: [FleetdCommandLine.Flag]
    var environment: [String: String]

    /// The configuration, its warnings, and a line saying which file was used.
    struct Loaded: Sendable {
        var configuration: FleetConfiguration
        var warnings: [String]
        var fileNote: String
    }

    /// A configuration fleetd cannot start with.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the file (explicit, else the default if present), the environment and the flags.
    func load() throws(Failure) -> Loaded {
        var contents: String?
        var note: String
        if let explicitFile {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: explicitFile, isDirectory: &isDirectory) else {
                throw Failure(description: "unable to use config file \(explicitFile): no such file")
            }
            guard !isDirectory.boolValue else {
                throw Failure(description: "provided config \(explicitFile) is a directory, not a file")
            }
            contents = try read(explicitFile)
            note = "using provided config file \(explicitFile)"
        } else if FileManager.default.fileExists(atPath: Self.defaultFile) {
            contents = try read(Self.defaultFile)
            note = "using default config file \(Self.defaultFile)"
        } else {
            note = "no provided or default config file found - proceeding without"
        }
        do {
            let (configuration, warnings) = try FleetConfiguration.load(
                file: contents, environment: environment, flags: flags.map { ($0.name, $0.value) })
            return Loaded(configuration: configuration, warnings: warnings, fileNote: note)
        } catch {
            throw Failure(description: error.description)
        }
    }

    private func read(_ path: String) throws(Failure) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Failure(description: "unable to use config file \(path): \(error.localizedDescription)")
        }
    }
}
