import FleetCore
import Foundation

// fleetd's command line follows Go's flag syntax (one or two dashes), as the original did.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments == ["version"] || arguments == ["-version"] || arguments == ["--version"] {
    print("fleetd version \(FleetVersion.current)")
} else {
    FileHandle.standardError.write(Data("fleetd: the daemon is not part of this build yet; see fleetctl for the client\n".utf8))
    exit(1)
}
