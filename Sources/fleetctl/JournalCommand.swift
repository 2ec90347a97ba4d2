import ArgumentParser
import FleetCore
import Foundation

/// `fleetctl journal [--lines=N] [-f] [--output=MODE] [--sudo] UNIT`: the unit's journal from
/// its machine: streamed by fleetd through the API where it can (beyond the original), else
/// `journalctl` over SSH (`--via=api|ssh` picks one).
struct JournalCommand: FleetctlCommand {
    static let name = "journal"
    static let summary = "Print the journal of a unit in the cluster to stdout"
    static let usage = "[--lines=N] [--ssh-port=N] [-f|--follow] [--output=STRING] [--sudo] [--via=api|ssh] UNIT"
    static let details = """
        Outputs the journal of a unit by connecting to the machine that the unit occupies.

        Read the last 10 lines:
        \tfleetctl journal foo.service

        Read the last 100 lines:
        \tfleetctl journal --lines 100 foo.service

        Without --via, the fleet API is asked first (fleetd on the unit's machine reads
        its journal); when it cannot answer, fleetctl runs journalctl over SSH. --sudo
        only matters over SSH.

        This command does not work with global units.
        """
    static let flagHelp: [(flag: String, usage: String)] = [
        ("-f, --follow=false", "Continuously print new entries as they are appended to the journal."),
        ("--lines=10", "Number of recent log lines to return"),
        ("--output=short", "Output mode. This will be passed unaltered to journalctl on the remote host, and hence supports the same modes as that command."),
        ("--ssh-port=22", "Connect to remote hosts over SSH using this TCP port."),
        ("--sudo=false", "Execute journal command with sudo"),
        ("--via=", "Read the journal only through the fleet API (api) or only over SSH (ssh)."),
    ]

    @Option(name: .customLong("lines")) var lines = 10
    @Flag(name: [.customLong("follow"), .customShort("f")]) var follow = false
    @Option(name: .customLong("output")) var output = "short"
    @Option(name: .customLong("ssh-port")) var sshPort = 22
    @Flag(name: .customLong("sudo")) var sudo = false
    @Option(name: .customLong("via")) var via = ""
    @Argument var units: [String] = []

    func validate() throws {
        guard lines >= 0 else { throw ValidationError("--lines must be 0 or more") }
        guard ["", "api", "ssh"].contains(via) else { throw ValidationError("--via must be api or ssh") }
    }

    /// The remote command: `[sudo] journalctl --unit NAME --no-pager -n N --output MODE [-f]`.
    static func remoteCommand(unit: String, lines: Int, follow: Bool, output: String, sudo: Bool) -> [String] {
        (sudo ? ["sudo"] : []) + ["journalctl", "--unit", unit, "--no-pager", "-n", String(lines), "--output", output]
            + (follow ? ["-f"] : [])
    }

    /// Streams `GET /fleet/v1/units/NAME/journal` to the output as it arrives.
    /// - Returns: the exit status once the stream began (1 if it broke: no fallback then, the
    ///   output would repeat).
    /// - Throws: `APIClientError` when the API cannot serve it (an error status, a transport
    ///   that cannot stream).
    private func throughAPI(_ name: String, _ context: CommandContext) async throws(APIClientError) -> Int32 {
        guard let transport = context.api.transport as? any StreamingAPITransport else {
            throw APIClientError(.invalidRequest, message: "journal through the API needs an --endpoint or --tunnel connection")
        }
        let query = ["lines": String(lines), "follow": String(follow), "output": output]
        let (status, body) = try await transport.stream(path: APIHandler.basePath + "/units/" + APIClient.escape(name) + "/journal", query: query)
        let out = FileHandle(fileDescriptor: context.io.output, closeOnDealloc: false)
        guard status == 200 else {
            var collected: [UInt8] = []
            do {
                for try await chunk in body { collected += chunk }
            } catch {
                throw APIClientError(.transport, message: "the answer broke off: \(error)")
            }
            throw APIClientError(status: status, body: collected)
        }
        do {
            for try await chunk in body { try out.write(contentsOf: chunk) }
        } catch {
            context.console.err("Error reading journal of unit \(name) through the API: \(error)")
            return 1
        }
        return 0
    }

    func run(_ context: CommandContext) async -> Int32 {
        guard units.count == 1 else {
            context.console.err("One unit file must be provided.")
            return 1
        }
        let unit: APIUnit
        do {
            unit = try await RemoteUnit.find(
                units[0], context: context,
                globalMessage: "Unable to retrieve journal of global unit %@.",
                inactiveMessage: "Unit %@ does not appear to be running.")
        } catch {
            context.console.err(error.message)
            return 1
        }
        if via != "ssh" {
            do {
                return try await throughAPI(unit.name, context)
            } catch where via.isEmpty {
                context.debug("journal of \(unit.name) through the API failed (\(error)); using SSH")
            } catch {
                context.console.err("Error retrieving journal of unit \(unit.name) through the API: \(error)")
                return 1
            }
        }
        do {
            let address = try await RemoteUnit.address(of: unit, context: context)
            return try await SSHClient(context: context, port: sshPort)
                .run(host: address, command: Self.remoteCommand(unit: unit.name, lines: lines, follow: follow, output: output, sudo: sudo))
        } catch {
            context.console.err("Error running remote command: \(error.message)")
            return 1
        }
    }
}
