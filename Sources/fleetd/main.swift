import FleetCore
import Foundation
import Logging

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("fleetd: \(message)\n".utf8))
    exit(status)
}

let invocation: FleetdCommandLine
do {
    invocation = try FleetdCommandLine.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail(error.description, status: 2)
}

switch invocation {
case .version:
    print("fleetd version \(FleetVersion.current)")
case .help:
    print(FleetdCommandLine.usage, terminator: "")
case .run(let configFile, let flags):
    let source = ConfigurationSource(explicitFile: configFile, flags: flags, environment: ProcessInfo.processInfo.environment)
    let loaded: ConfigurationSource.Loaded
    do {
        loaded = try source.load()
    } catch {
        fail(error.description, status: 1)
    }
    let level = Logger.Level(verbosity: loaded.configuration.verbosity)
    LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level) }
    let logger = Logger(label: "fleetd")
    logger.info("Starting fleetd version \(FleetVersion.current)")
    logger.info("\(loaded.fileNote)")
    for warning in loaded.warnings { logger.warning("\(warning)") }
    do {
        try await Daemon(source: source, loaded: loaded.configuration, logger: logger).run()
    } catch {
        logger.critical("fleetd stopped: \(error)")
        fail("\(error)", status: 1)
    }
}
