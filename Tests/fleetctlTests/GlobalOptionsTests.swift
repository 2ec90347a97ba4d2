import FleetCore
import Testing
@testable import fleetctl

@Suite struct GlobalOptionsTests {
    @Test func flagsComeBeforeTheCommandInGoSyntax() throws {
        let (options, rest) = try GlobalOptions.parse(
            ["-endpoint", "http://127.0.0.1:49153", "--request-timeout=1.5", "--debug", "list-units", "--full"], environment: [:])
        #expect(options.endpoint == "http://127.0.0.1:49153")
        #expect(options.requestTimeout == 1.5)
        #expect(options.debug)
        #expect(rest == ["list-units", "--full"])
    }

    @Test func environmentGivesDefaultsButTheCommandLineWins() throws {
        let environment = ["FLEETCTL_ENDPOINT": "http://10.0.0.1:8080", "FLEETCTL_REQUEST_TIMEOUT": "7",
                           "FLEETCTL_STRICT_HOST_KEY_CHECKING": "false", "FLEETCTL_SSH_USERNAME": ""]
        let (fromEnvironment, _) = try GlobalOptions.parse(["list-units"], environment: environment)
        #expect(fromEnvironment.endpoint == "http://10.0.0.1:8080")
        #expect(fromEnvironment.requestTimeout == 7)
        #expect(!fromEnvironment.strictHostKeyChecking)
        #expect(fromEnvironment.sshUsername == "core")  // empty values are ignored
        let (fromFlag, _) = try GlobalOptions.parse(["--endpoint=unix:///tmp/x.sock", "list-units"], environment: environment)
        #expect(fromFlag.endpoint == "unix:///tmp/x.sock")
    }

    @Test func sshFlagsAreAcceptedForLater() throws {
        let (options, rest) = try GlobalOptions.parse(
            ["--ssh-username", "admin", "--ssh-timeout=2", "--known-hosts-file=/tmp/kh", "--strict-host-key-checking=false",
             "--etcd-key-prefix=/x/", "--ca-file=/ca", "--cert-file=/c", "--key-file=/k", "cat", "a"], environment: [:])
        #expect(options.sshUsername == "admin" && options.sshTimeout == 2 && options.knownHostsFile == "/tmp/kh")
        #expect(!options.strictHostKeyChecking && options.etcdKeyPrefix == "/x/")
        #expect(options.caFile == "/ca" && options.certFile == "/c" && options.keyFile == "/k")
        #expect(rest == ["cat", "a"])
    }

    @Test func badGlobalFlagsExitTwoWithOneClearLine() async {
        let cluster = TestCluster()
        let unknown = await cluster.run("--bogus", "list-units")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("flag provided but not defined: -bogus\n"))
        let badNumber = await cluster.run("--request-timeout=soon", "list-units")
        #expect(badNumber.status == 2)
        #expect(badNumber.stderr.contains("invalid value \"soon\" for flag -request-timeout"))
        let missing = await cluster.run("--endpoint")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("flag needs an argument: -endpoint"))
    }

    @Test func onlyTheAPIDriverIsAvailable() async {
        let cluster = TestCluster()
        let etcd = await cluster.run("--driver=etcd", "list-units")
        #expect(etcd.status == 1)
        #expect(etcd.stderr.hasPrefix("Unable to initialize client: the etcd driver is not supported"))
        let other = await cluster.run("--driver", "x", "list-units")
        #expect(other.stderr == "Unable to initialize client: unrecognized driver \"x\"\n")
        let tunnel = await cluster.run("--tunnel=host:port", "list-units")
        #expect(tunnel.status == 1)
        #expect(tunnel.stderr == "Unable to initialize client: invalid --tunnel \"host:port\": expected HOST or HOST:PORT\n")
        let https = await cluster.run("--tunnel=127.0.0.1", "--endpoint=https://127.0.0.1:1", "list-units")
        #expect(https.stderr == "Unable to initialize client: --tunnel reaches unix:// and http:// endpoints, not https://\n")
    }

    @Test func severalEndpointsUseTheFirstWithAWarning() async {
        let cluster = TestCluster()
        let result = await cluster.run("--endpoint=unix:///a.sock,unix:///b.sock", "list-machines")
        #expect(result.status == 0)
        #expect(result.stderr == "multiple endpoints provided but only the first (unix:///a.sock) is used\n")
    }
}
