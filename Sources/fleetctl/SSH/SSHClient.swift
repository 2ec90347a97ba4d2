import Foundation

/// Runs commands on cluster machines through the system's OpenSSH client, after fleetctl's own
/// host-key check. Every word of a remote command is shell-quoted.
struct SSHClient: Sendable {
    /// The OpenSSH client.
    static let sshPath = "/usr/bin/ssh"

    let globals: GlobalOptions
    let checker: HostKeyChecker
    let io: ProcessIO
    /// The environment ssh runs with (its agent socket, HOME).
    let environment: [String: String]
    /// `--ssh-port`.
    var port = 22
    /// `-A`.
    var forwardAgent = false

    init(context: CommandContext, port: Int = 22, forwardAgent: Bool = false) {
        globals = context.globals
        io = context.io
        environment = context.childEnvironment
        self.port = port
        self.forwardAgent = forwardAgent
        let io = context.io
        checker = HostKeyChecker(
            path: context.expandingHome(context.globals.knownHostsFile),
            strict: context.globals.strictHostKeyChecking,
            console: context.console,
            readAnswer: { io.readLine() },
            scan: HostKeyChecker.keyscan(timeout: context.globals.sshTimeout, environment: context.childEnvironment))
    }

    /// ssh's arguments for running `command` (quoted word by word) on `host`, or a shell when
    /// `command` is empty.
    func arguments(host: String, command: [String]) -> [String] {
        var arguments = ["-o", "ConnectTimeout=\(max(1, Int(globals.sshTimeout.rounded(.up))))", "-p", String(port), "-l", globals.sshUsername]
        arguments += checker.sshOptions
        if forwardAgent { arguments.append("-A") }
        arguments += ["--", host]
        if !command.isEmpty { arguments.append(ShellQuote.command(command)) }
        return arguments
    }

    /// Checks the host key, then runs `command` on `host` (a shell when empty) with fleetctl's
    /// standard streams.
    /// - Returns: the remote command's exit status (ssh's 255 when the connection failed).
    /// - Throws: `FleetctlError` when the host key is refused or ssh cannot be started.
    func run(host: String, command: [String]) async throws(FleetctlError) -> Int32 {
        try await checker.verify(host: host, port: port)
        return try await ChildProcess.run(Self.sshPath, arguments(host: host, command: command), io: io, environment: environment)
    }
}
