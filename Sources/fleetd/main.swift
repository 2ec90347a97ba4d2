import FleetCore
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("fleetd: \(message)\n".utf8))
    exit(2)
}

let invocation: FleetdCommandLine
do {
    invocation = try FleetdCommandLine.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail(error.description)
}

switch invocation {
case .version:
    print("fleetd version \(FleetVersion.current)")
case .help:
    print(FleetdCommandLine.usage, terminator: "")
case .run:
    fail("the daemon (engine, agent, API) is not part of this build yet")
}
