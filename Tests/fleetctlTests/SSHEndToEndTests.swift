import FleetCore
import Foundation
import Testing
@testable import fleetctl

/// ssh, status and journal against a real sshd on 127.0.0.1 (the machine's public IP in a
/// registry served in process), through the system's OpenSSH client.
@Suite struct SSHEndToEndTests {
    let server: SSHServer
    let cluster = TestCluster()
    let knownHosts: String

    init() async throws {
        server = try await SSHServer.start()
        knownHosts = cluster.directory + "/fleetctl/known_hosts"
        try await cluster.addMachine(TestCluster.m1, ip: "127.0.0.1")
        try await cluster.addMachine(TestCluster.m2, ip: "127.0.0.2")
    }

    /// Runs fleetctl with the ssh globals pointing at the test server.
    func fleetctl(_ arguments: [String], strict: Bool = true, streams: TestStreams) async -> TestCluster.Result {
        let globals = ["--ssh-username", server.user, "--known-hosts-file", knownHosts, "--strict-host-key-checking=\(strict)"]
        let command = arguments.first.map { [$0, "--ssh-port", String(server.port)] + arguments.dropFirst() } ?? []
        return await cluster.run(globals + command, environment: server.environment, io: streams.io)
    }

    var storedLine: String { "[127.0.0.1]:\(server.port) \(server.hostKey.type) \(server.hostKey.base64)" }

    func trustServer() throws {
        try HostKeyChecker.append(storedLine, to: knownHosts)
    }

    @Test func runsACommandAndReturnsItsExitStatus() async throws {
        let streams = try TestStreams()
        let result = await fleetctl(["ssh", "113f", "sh", "-c", "echo hi; exit 7"], strict: false, streams: streams)
        #expect(result.status == 7, "\(result.stderr) \(streams.error)")
        #expect(streams.output == "hi\n")
        // Strict checking off: nothing asked, nothing stored.
        #expect(!result.stderr.contains("authenticity"))
        #expect(!FileManager.default.fileExists(atPath: knownHosts))
    }

    @Test func unknownHostAcceptedOnStandardInputIsStored() async throws {
        try HostKeyChecker.append("# kept\nother.example ssh-ed25519 \(try SSHServer.otherKey().base64)", to: knownHosts)
        let streams = try TestStreams(input: "yes\n")
        let result = await fleetctl(["ssh", "113f", "echo", "in"], streams: streams)
        #expect(result.status == 0, "\(result.stderr) \(streams.error)")
        #expect(streams.output == "in\n")
        let address = "[127.0.0.1]:\(server.port)"
        #expect(result.stderr == """
            The authenticity of host '\(address)' can't be established.
            ED25519 key fingerprint is \(server.hostKey.fingerprint).
            Are you sure you want to continue connecting (yes/no)? Warning: Permanently added '\(address)' (ED25519) to the list of known hosts.

            """)
        let stored = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(stored.hasPrefix("# kept\nother.example ssh-ed25519 "))
        #expect(stored.hasSuffix("\n" + storedLine + "\n"))

        // Known now: no question, and OpenSSH verifies against the same file.
        let again = try TestStreams()
        let second = await fleetctl(["ssh", "113f", "echo", "again"], streams: again)
        #expect(second.status == 0, "\(second.stderr) \(again.error)")
        #expect(second.stderr == "")
        #expect(again.output == "again\n")
    }

    @Test func unknownHostRefusedAborts() async throws {
        let marker = server.directory + "/ran"
        for answer in ["no\n", "", "maybe\n"] {
            let streams = try TestStreams(input: answer)
            let result = await fleetctl(["ssh", "113f", "touch", marker], streams: streams)
            #expect(result.status == 1)
            #expect(result.stderr.hasSuffix("(yes/no)? Host key verification failed.\nFailed building SSH client: unauthorized host\n"))
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(!FileManager.default.fileExists(atPath: knownHosts))
        }
    }

    @Test func changedHostKeyAborts() async throws {
        let old = try SSHServer.otherKey()
        try HostKeyChecker.append("[127.0.0.1]:\(server.port) \(old.type) \(old.base64)", to: knownHosts)
        let marker = server.directory + "/ran"
        let streams = try TestStreams(input: "yes\n")
        let result = await fleetctl(["ssh", "113f", "touch", marker], streams: streams)
        #expect(result.status == 1)
        #expect(result.stderr.contains("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @"))
        #expect(result.stderr.contains("\(server.hostKey.fingerprint).\nPlease contact your system administrator."))
        #expect(result.stderr.hasSuffix("Host key verification failed.\nFailed building SSH client: host key mismatch\n"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func argumentsCannotInjectCommands() async throws {
        try trustServer()
        let marker = server.directory + "/injected"
        let words = ["a;touch \(marker)", "$(touch \(marker))", "`touch \(marker)`", "it's", "x && touch \(marker)"]
        let streams = try TestStreams()
        let result = await fleetctl(["ssh", "113f", "printf", "%s\\n"] + words, streams: streams)
        #expect(result.status == 0, "\(result.stderr) \(streams.error)")
        #expect(streams.output == words.map { $0 + "\n" }.joined())
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func flagsOfTheRemoteCommandAreNotFleetctls() async throws {
        try trustServer()
        let streams = try TestStreams()
        let result = await fleetctl(["ssh", "113f", "printf", "%s,", "-h", "--help", "-A", "--sign", "--fields="], streams: streams)
        #expect(result.status == 0, "\(result.stderr) \(streams.error)")
        #expect(streams.output == "-h,--help,-A,--sign,--fields=,")
        // Before the machine, -h still asks for help.
        let help = await cluster.run("ssh", "-A", "-h")
        #expect(help.status == 0)
        #expect(help.stdout.contains("Open interactive shell on a machine in the cluster"))
    }

    @Test func findsTheMachineByUnitAndHonoursDashes() async throws {
        try trustServer()
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("hello.service", on: TestCluster.m1, .launched)
        let streams = try TestStreams()
        let result = await fleetctl(["ssh", "hello.service", "--", "echo", "by unit"], streams: streams)
        #expect(result.status == 0, "\(result.stderr) \(streams.error)")
        #expect(streams.output == "by unit\n")
        let flagged = try TestStreams()
        let byFlag = await fleetctl(["ssh", "--unit", "hello.service", "echo", "flag"], streams: flagged)
        #expect(byFlag.status == 0)
        #expect(flagged.output == "flag\n")
    }

    @Test func statusRunsSystemctlOnEachUnitsMachine() async throws {
        try trustServer()
        try server.install("systemctl", script: #"printf '[%s]' "$@"; echo; case "$3" in bad*) exit 3;; esac"#)
        for name in ["a.service", "b.service", "bad.service", "c.service"] {
            try await cluster.submit(name, TestCluster.hello, desiredState: "launched")
            try await cluster.report(name, on: TestCluster.m1, .launched)
        }
        let streams = try TestStreams()
        let result = await fleetctl(["status", "a.service", "b", "bad.service", "c.service"], streams: streams)
        // Stops at the first failure; its exit status is fleetctl's.
        #expect(result.status == 3, "\(result.stderr) \(streams.error)")
        #expect(streams.output == "[status][-l][a.service]\n[status][-l][b.service]\n[status][-l][bad.service]\n")
        #expect(result.stdout == "\n\n")
    }

    @Test func statusFallsBackToSSHUnlessTheAPIIsRequired() async throws {
        try trustServer()
        try server.install("systemctl", script: #"echo "over ssh: $3""#)
        // The answering fleetd (m2) cannot reach m1's API: the default falls back to SSH.
        let cluster = TestCluster(statusReader: FixedStatusReader(output: "over the API"), statusMachine: TestCluster.m2)
        try await cluster.addMachine(TestCluster.m1, ip: "127.0.0.1")
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("hello.service", on: TestCluster.m1, .launched)
        let globals = ["--ssh-username", server.user, "--known-hosts-file", knownHosts]
        let streams = try TestStreams()
        let fallback = await cluster.run(globals + ["status", "--ssh-port", String(server.port), "hello.service"], environment: server.environment, io: streams.io)
        #expect(fallback.status == 0, "\(fallback.stderr) \(streams.error)")
        #expect(streams.output == "over ssh: hello.service\n")

        // Where the API can answer, --via=ssh still goes over SSH.
        let local = TestCluster(statusReader: FixedStatusReader(output: "over the API"), statusMachine: TestCluster.m1)
        try await local.addMachine(TestCluster.m1, ip: "127.0.0.1")
        try await local.submit("hello.service", TestCluster.hello, desiredState: "launched")
        try await local.report("hello.service", on: TestCluster.m1, .launched)
        let sshOnly = try TestStreams()
        let viaSSH = await local.run(globals + ["status", "--via=ssh", "--ssh-port", String(server.port), "hello.service"], environment: server.environment, io: sshOnly.io)
        #expect(viaSSH.status == 0)
        #expect(viaSSH.stdout == "")
        #expect(sshOnly.output == "over ssh: hello.service\n")
    }

    @Test func journalRunsJournalctlWithItsFlags() async throws {
        try trustServer()
        try server.install("journalctl", script: #"printf '[%s]' "$@"; echo"#)
        try await cluster.submit("hello.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("hello.service", on: TestCluster.m1, .launched)
        let streams = try TestStreams()
        let result = await fleetctl(["journal", "--lines=5", "-f", "--output", "cat", "hello.service"], streams: streams)
        #expect(result.status == 0, "\(result.stderr) \(streams.error)")
        #expect(streams.output == "[--unit][hello.service][--no-pager][-n][5][--output][cat][-f]\n")
        let plain = try TestStreams()
        _ = await fleetctl(["journal", "hello"], streams: plain)
        #expect(plain.output == "[--unit][hello.service][--no-pager][-n][10][--output][short]\n")
    }

    @Test func aHostThatDoesNotAnswerIsAClearError() async throws {
        let streams = try TestStreams()
        // m2's address (127.0.0.2) runs no sshd on this port.
        let result = await fleetctl(["ssh", "2c9e", "true"], streams: streams)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("Failed building SSH client: unable to read the host key of [127.0.0.2]:\(server.port)"))
    }
}

/// Argument and lookup errors of ssh, status and journal (no SSH reached).
@Suite struct SSHCommandErrorTests {
    func cluster() async throws -> TestCluster {
        let cluster = TestCluster()
        try await cluster.addMachine(TestCluster.m1, ip: "10.0.0.1")
        try await cluster.addMachine("113f0000000000000000000000000000", ip: "10.0.0.2")
        try await cluster.addMachine(TestCluster.m2, ip: "")
        try await cluster.submit("global.service", TestCluster.global, desiredState: "launched")
        try await cluster.submit("idle.service", TestCluster.hello)
        try await cluster.submit("2c9e.service", TestCluster.hello, desiredState: "launched")
        try await cluster.report("2c9e.service", on: TestCluster.m1, .launched)
        return cluster
    }

    @Test func sshLookupErrors() async throws {
        let cluster = try await cluster()
        let cases: [([String], String)] = [
            (["ssh"], "Unable to proceed: one machine or unit must be provided\n"),
            (["ssh", "113f"], "Unable to proceed: could not find matching unit or machine\n"),
            (["ssh", "--machine", "113f"], "Unable to proceed: found more than one machine\n"),
            (["ssh", "--machine", "ffff"], "Unable to proceed: machine does not exist\n"),
            (["ssh", "--unit", "nope.service"], "Unable to proceed: unit does not exist\n"),
            (["ssh", "--unit", "global.service"], "Unable to proceed: global units unsupported\n"),
            (["ssh", "--machine", "a", "--unit", "b"], "Both machine and unit flags provided, please specify only one.\n"),
            (["ssh", "--machine", "2c9e"], "Could not determine address of machine.\n"),
            (["ssh", "2c9e"], "Unable to proceed: ambiguous argument, both machine and unit found for `2c9e`.\nPlease use flag `-m` or `-u` to refine the search\n"),
        ]
        for (arguments, message) in cases {
            let result = await cluster.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr == message, "\(arguments)")
        }
    }

    @Test func statusAndJournalErrors() async throws {
        let cluster = try await cluster()
        let cases: [([String], String)] = [
            (["status"], "One or more units must be provided.\n"),
            (["status", "nope.service"], "Unit nope.service does not exist.\n"),
            (["status", "global.service"], "Unable to determine status of global unit global.service.\n"),
            (["status", "idle.service"], "Unit idle.service does not appear to be loaded.\n"),
            (["journal"], "One unit file must be provided.\n"),
            (["journal", "a", "b"], "One unit file must be provided.\n"),
            (["journal", "nope"], "Unit nope.service does not exist.\n"),
            (["journal", "global.service"], "Unable to retrieve journal of global unit global.service.\n"),
            (["journal", "idle.service"], "Unit idle.service does not appear to be running.\n"),
        ]
        for (arguments, message) in cases {
            let result = await cluster.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr == message, "\(arguments)")
        }
    }

    @Test func journalCommandLine() async throws {
        #expect(JournalCommand.remoteCommand(unit: "x.service", lines: 3, follow: false, output: "short", sudo: true)
            == ["sudo", "journalctl", "--unit", "x.service", "--no-pager", "-n", "3", "--output", "short"])
        let negative = await TestCluster().run("journal", "--lines=-1", "x")
        #expect(negative.status == 2)
        #expect(negative.stderr.contains("--lines must be 0 or more"))
    }

    @Test func sshArgumentsQuoteTheRemoteCommand() async throws {
        let context = CommandContext(
            globals: GlobalOptions(), console: CapturedOutput().console, client: nil, workingDirectory: "/",
            sleep: { _ in }, environment: ["HOME": "/home/op"])
        let client = SSHClient(context: context, port: 2222, forwardAgent: true)
        #expect(client.arguments(host: "10.0.0.1", command: ["echo", "a;b"]) == [
            "-o", "ConnectTimeout=10", "-p", "2222", "-l", "core",
            "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/home/op/.fleetctl/known_hosts",
            "-A", "--", "10.0.0.1", "'echo' 'a;b'",
        ])
    }
}
