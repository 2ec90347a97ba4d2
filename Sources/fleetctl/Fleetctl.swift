import ArgumentParser
import FleetCore
import Foundation

/// `fleetctl`: the cluster's command-line client. Global flags come first (Go flag syntax,
/// as the original), then the command and its own flags and arguments.
@main
enum Fleetctl {
    /// Every command, in the order help lists them (alphabetical, as the original).
    static let commands: [any FleetctlCommand.Type] = [
        CatCommand.self, CompletionCommand.self, DestroyCommand.self, FDForwardCommand.self, HelpCommand.self,
        JournalCommand.self, ListMachinesCommand.self, ListUnitFilesCommand.self, ListUnitsCommand.self,
        LoadCommand.self, RestartCommand.self, SSHCommand.self, StartCommand.self, StatusCommand.self, StopCommand.self, SubmitCommand.self,
        UnloadCommand.self, VerifyCommand.self, VersionCommand.self,
    ]

    /// Builds the transport for the API driver.
    typealias Connector = @Sendable (GlobalOptions) throws(APIClientError) -> any APITransport

    static func main() async {
        let status = await run(
            Array(CommandLine.arguments.dropFirst()),
            environment: ProcessInfo.processInfo.environment,
            console: .standard)
        exit(status)
    }

    /// Runs one fleetctl invocation.
    /// - Parameters:
    ///   - arguments: the command line without the program name.
    ///   - environment: for `FLEETCTL_*` defaults.
    ///   - console: where output goes.
    ///   - workingDirectory: where relative unit paths are read.
    ///   - connect: builds the API transport (HTTP by default; tests pass an in-process one).
    ///   - sleep: the wait between polls.
    ///   - io: the streams ssh inherits and host-key answers come from.
    /// - Returns: the exit status.
    static func run(
        _ arguments: [String],
        environment: [String: String],
        console: Console,
        workingDirectory: String = FileManager.default.currentDirectoryPath,
        connect: Connector = Fleetctl.httpTransport,
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        io: ProcessIO = .standard
    ) async -> Int32 {
        let globals: GlobalOptions
        var rest: [String]
        do {
            (globals, rest) = try GlobalOptions.parse(arguments, environment: environment)
        } catch {
            console.err(error.message)
            return error.status
        }
        if globals.version {
            rest = ["version"]
        } else if globals.help || rest.isEmpty {
            rest = ["help"]
        }
        let name = rest.removeFirst()
        guard let command = commands.first(where: { $0.name == name }) else {
            console.err("fleetctl: unknown subcommand: \"\(name)\"\nRun 'fleetctl help' for usage.")
            return 2
        }
        // A remote command's words (`fleetctl ssh m1 df -h`) are not fleetctl's flags.
        let flagPart = command.passesArgumentsThrough ? rest.prefix { $0.hasPrefix("-") && $0 != "--" } : rest.prefix { $0 != "--" }
        if flagPart.contains(where: { $0 == "-sign" || $0 == "--sign" || $0.hasPrefix("--sign=") || $0.hasPrefix("-sign=") }) {
            console.err("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.")
            return 2
        }
        if command.name != HelpCommand.name, flagPart.contains(where: { $0 == "-h" || $0 == "--help" }) {
            console.out(HelpCommand.commandHelp(command))
            return 0
        }
        // Go's flag package takes `--fields=` as an empty value; ArgumentParser needs it apart.
        let commandArguments = flagPart.flatMap { argument -> [String] in
            argument.hasPrefix("-") && argument.hasSuffix("=") ? [String(argument.dropLast()), ""] : [argument]
        } + rest.dropFirst(flagPart.count)
        let parsed: any FleetctlCommand
        do {
            parsed = try command.parse(commandArguments)
        } catch {
            console.err(command.message(for: error))
            console.err("Run 'fleetctl help \(name)' for usage.")
            return 2
        }

        var context = CommandContext(
            globals: globals, console: console, client: nil, workingDirectory: workingDirectory, sleep: sleep,
            io: io, environment: environment)
        if command.needsClient {
            do {
                context = context.with(client: try makeClient(context, connect: connect))
            } catch {
                console.err("Unable to initialize client: \(error.message)")
                return 1
            }
        }
        let client = context.client
        let status = await parsed.run(context)
        await client?.transport.shutdown()
        return status
    }

    private static func makeClient(_ context: CommandContext, connect: Connector) throws(FleetctlError) -> APIClient {
        let globals = context.globals
        switch globals.driver {
        case "API":
            break
        case "etcd":
            throw FleetctlError("the etcd driver is not supported by this fleetctl; use --driver=API")
        default:
            throw FleetctlError("unrecognized driver \"\(globals.driver)\"")
        }
        guard globals.experimentalAPI else {
            throw FleetctlError("--experimental-api=false selects the etcd driver, which this fleetctl does not support")
        }
        if globals.endpoint.contains(",") {
            context.console.err("multiple endpoints provided but only the first (\(globals.firstEndpoint)) is used")
        }
        if !globals.tunnel.isEmpty {
            return APIClient(transport: try SSHTunnelTransport(tunnel: globals.tunnel, endpoint: globals.firstEndpoint, context: context))
        }
        do {
            return APIClient(transport: try connect(globals))
        } catch {
            throw FleetctlError(error.message)
        }
    }

    /// The real transport: HTTP to `--endpoint` with `--request-timeout` and the TLS files.
    static let httpTransport: Connector = { globals throws(APIClientError) in
        let tls = HTTPAPITransport.TLSFiles(
            caFile: globals.caFile.isEmpty ? nil : globals.caFile,
            certFile: globals.certFile.isEmpty ? nil : globals.certFile,
            keyFile: globals.keyFile.isEmpty ? nil : globals.keyFile)
        let timeout = Duration.milliseconds(Int64(max(0.001, globals.requestTimeout) * 1000))
        return try HTTPAPITransport(endpoint: globals.firstEndpoint, requestTimeout: timeout, tls: tls)
    }
}
