import Foundation

/// Runs commands on cluster machines through the system's OpenSSH client, after fleetctl's own
/// host-key check. Every word of a remote command is shell-quoted. With `--tunnel`, ssh reaches
/// the machine through the tunnel host (`ProxyCommand … -W %h:%p`), as the original did.
struct SSHClient: Sendable {
    /// The OpenSSH client.
    static let sshPath = "/usr/bin/ssh"

    let globals: GlobalOptions
    /// Checks hosts fleetctl reaches directly (the tunnel host, or any host without a tunnel).
    let checker: HostKeyChecker
    let io: ProcessIO
    /// The environment ssh runs with (its agent socket, HOME).
    let environment: [String: String]
    /// `--ssh-port`.
    var port = 22
    /// `-A`.
    var forwardAgent = false
    /// `--tunnel` for connections to machines; nil for the tunnel's own connection.
    let tunnel: (host: String, port: Int)?
    /// `--tunnel` that could not be read.
    private let tunnelError: FleetctlError?

    /// - Parameter viaTunnel: go through `--tunnel` when one is given (not for the API
    ///   tunnel's own connection to the tunnel host).
    init(context: CommandContext, port: Int = 22, forwardAgent: Bool = false, viaTunnel: Bool = true) {
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
        if viaTunnel, !context.globals.tunnel.isEmpty {
            do {
                tunnel = try SSHTunnelTransport.split(context.globals.tunnel)
                tunnelError = nil
            } catch {
                tunnel = nil
                tunnelError = error
            }
        } else {
            tunnel = nil
            tunnelError = nil
        }
    }

    private var connectTimeout: [String] { ["-o", "ConnectTimeout=\(max(1, Int(globals.sshTimeout.rounded(.up))))"] }

    /// ssh's arguments for running `command` (quoted word by word) on `host`, or a shell when
    /// `command` is empty.
    func arguments(host: String, command: [String]) -> [String] {
        var arguments = connectTimeout + ["-p", String(port), "-l", globals.sshUsername]
        arguments += checker.sshOptions + proxyOptions
        if forwardAgent { arguments.append("-A") }
        arguments += ["--", host]
        if !command.isEmpty { arguments.append(ShellQuote.command(command)) }
        return arguments
    }

    /// `-o ProxyCommand=…` through the tunnel host; none without a tunnel. ssh runs it with the
    /// user's shell, so each word is quoted, and `%` (ssh's token mark) is doubled.
    var proxyOptions: [String] {
        guard let tunnel else { return [] }
        let words = [Self.sshPath] + connectTimeout + ["-p", String(tunnel.port), "-l", globals.sshUsername]
            + checker.sshOptions + ["-W", "%h:%p", "--", tunnel.host]
        let command = words.map { $0 == "%h:%p" ? $0 : ShellQuote.word($0).replacingOccurrences(of: "%", with: "%%") }
        return ["-o", "ProxyCommand=" + command.joined(separator: " ")]
    }

    /// Checks the host key, then runs `command` on `host` (a shell when empty) with fleetctl's
    /// standard streams.
    /// - Returns: the remote command's exit status (ssh's 255 when the connection failed).
    /// - Throws: `FleetctlError` when the host key is refused or ssh cannot be started.
    func run(host: String, command: [String]) async throws(FleetctlError) -> Int32 {
        try await verify(host: host)
        return try await ChildProcess.run(Self.sshPath, arguments(host: host, command: command), io: io, environment: environment)
    }

    /// Checks `host`'s key (and the tunnel host's first, through which the key is fetched).
    func verify(host: String) async throws(FleetctlError) {
        if let tunnelError { throw tunnelError }
        guard let tunnel else {
            try await checker.verify(host: host, port: port)
            return
        }
        try await checker.verify(host: tunnel.host, port: tunnel.port)
        let proxied = HostKeyChecker(
            path: checker.path, strict: checker.strict, console: checker.console, readAnswer: checker.readAnswer,
            scan: HostKeyChecker.scanThroughProxy(proxyOptions: proxyOptions, timeout: connectTimeout, environment: environment))
        try await proxied.verify(host: host, port: port)
    }
}
