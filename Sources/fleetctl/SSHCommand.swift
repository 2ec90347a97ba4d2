import ArgumentParser
import FleetCore

/// `fleetctl ssh {MACHINE|UNIT} [CMD...]`: a shell, or one command, on a machine found by ID
/// prefix or by the unit it runs, through OpenSSH. The remote exit status becomes fleetctl's.
struct SSHCommand: FleetctlCommand {
    static let name = "ssh"
    static let summary = "Open interactive shell on a machine in the cluster"
    static let usage = "[-A|--forward-agent] [--ssh-port=N] [--machine|--unit] {MACHINE|UNIT} [COMMAND...]"
    static let details = """
        Open an interactive shell on a specific machine in the cluster or on the machine
        where the specified unit is located.

        fleetctl tries to detect whether your first argument is a machine or a unit.
        To skip this check use the --machine or --unit flags.

        Every word of COMMAND reaches the remote shell quoted: to run a pipeline, name a
        shell, e.g. fleetctl ssh 2444264c sh -c 'journalctl | tail'
        """
    static let flagHelp: [(flag: String, usage: String)] = [
        ("-A, --forward-agent=false", "Forward local ssh-agent to target machine."),
        ("--machine=", "Open SSH connection to a specific machine."),
        ("--ssh-port=22", "Connect to remote hosts over SSH using this TCP port."),
        ("--unit=", "Open SSH connection to machine running provided unit."),
    ]

    static let passesArgumentsThrough = true

    @Option(name: [.customLong("machine"), .customShort("m")]) var machine = ""
    @Option(name: [.customLong("unit"), .customShort("u")]) var unit = ""
    @Flag(name: [.customLong("forward-agent"), .customShort("A")]) var forwardAgent = false
    @Option(name: .customLong("ssh-port")) var sshPort = 22
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        guard machine.isEmpty || unit.isEmpty else {
            context.console.err("Both machine and unit flags provided, please specify only one.")
            return 1
        }
        var command = arguments
        let address: String
        do throws(FleetctlError) {
            let lookup = MachineLookup(context: context)
            if !machine.isEmpty {
                address = try await lookup.machine(prefix: machine).primaryIP
            } else if !unit.isEmpty {
                address = try await lookup.machine(runningUnit: unit)?.primaryIP ?? ""
            } else {
                guard !command.isEmpty else { throw FleetctlError("one machine or unit must be provided") }
                address = try await Self.find(command.removeFirst(), lookup)
            }
        } catch {
            context.console.err("Unable to proceed: \(error.message)")
            return 1
        }
        guard !address.isEmpty else {
            context.console.err("Could not determine address of machine.")
            return 1
        }
        // Everything up to a `--` is dropped, as the original did.
        if let dashes = command.firstIndex(of: "--") { command = Array(command[(dashes + 1)...]) }
        do {
            return try await SSHClient(context: context, port: sshPort, forwardAgent: forwardAgent).run(host: address, command: command)
        } catch {
            context.console.err("Failed building SSH client: \(error.message)")
            return 1
        }
    }

    /// The address for an argument that may be a machine ID prefix or a unit.
    private static func find(_ argument: String, _ lookup: MachineLookup) async throws(FleetctlError) -> String {
        let byMachine = try? await lookup.machine(prefix: argument)
        let byUnit = (try? await lookup.machine(runningUnit: argument)).flatMap { $0?.primaryIP.isEmpty == false ? $0 : nil }
        switch (byMachine, byUnit) {
        case (.some, .some):
            throw FleetctlError("ambiguous argument, both machine and unit found for `\(argument)`.\nPlease use flag `-m` or `-u` to refine the search")
        case (.some(let machine), nil): return machine.primaryIP
        case (nil, .some(let machine)): return machine.primaryIP
        case (nil, nil): throw FleetctlError("could not find matching unit or machine")
        }
    }
}
