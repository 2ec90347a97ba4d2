import FleetCore
import Testing
@testable import fleetctl

@Suite struct HelpCommandTests {
    @Test(arguments: [[], ["help"], ["-h"], ["--help"], ["-help"]])
    func everyFormOfHelpPrintsTheCommandListAndExitsZero(arguments: [String]) async {
        let result = await TestCluster().run(arguments)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout.hasPrefix("NAME:\n\tfleetctl - fleetctl is a command-line interface to fleet"))
        #expect(result.stdout.contains("VERSION:\n\t\(FleetVersion.current)\n"))
        #expect(result.stdout.contains("\tlist-unit-files\tList the units that exist in the cluster.\n"))
        #expect(result.stdout.contains("\tcat\t\tOutput the contents of a submitted unit\n"))
        #expect(result.stdout.contains("\t--endpoint=unix:///var/run/fleet.sock\t\tLocation of the fleet API"))
        #expect(result.stdout.hasSuffix("Run \"fleetctl help <command>\" for more details on a specific command.\n"))
    }

    @Test func commandsAreListedInOrderAndHiddenFlagsAreNot() async {
        let result = await TestCluster().run("help")
        let names = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).drop { $0 != "COMMANDS:" }.dropFirst().prefix { !$0.isEmpty }
            .map { $0.split(separator: "\t").first.map(String.init) ?? "" }
        #expect(names == ["cat", "completion", "destroy", "fd-forward", "help", "journal", "list-machines", "list-unit-files", "list-units", "load",
                          "restart", "ssh", "start", "status", "stop", "submit", "unload", "verify", "version"])
        #expect(!result.stdout.contains("--etcd-keyfile"))
        #expect(!result.stdout.contains("--experimental-api"))
    }

    @Test func helpForOneCommandShowsUsageAndOptions() async {
        let result = await TestCluster().run("help", "start")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("NAME:\n\tstart - Instruct systemd to start one or more units"))
        #expect(result.stdout.contains("USAGE:\n\tfleetctl start [--no-block|--block-attempts=N] [--replace] UNIT...\n"))
        #expect(result.stdout.contains("OPTIONS:\n\t--block-attempts=0\t"))
        #expect(result.stdout.hasSuffix("For help on global options run \"fleetctl help\"\n"))
        let viaFlag = await TestCluster().run("start", "--help")
        #expect(viaFlag.status == 0)
        #expect(viaFlag.stdout == result.stdout)
    }

    @Test func unknownHelpTopicAndUnknownCommand() async {
        let topic = await TestCluster().run("help", "frobnicate")
        #expect(topic.status == 1)
        #expect(topic.stdout == "Unrecognized command: frobnicate\n")
        let command = await TestCluster().run("frobnicate")
        #expect(command.status == 2)
        #expect(command.stderr == "fleetctl: unknown subcommand: \"frobnicate\"\nRun 'fleetctl help' for usage.\n")
    }

    @Test func versionInBothForms() async {
        for arguments in [["version"], ["--version"]] {
            let result = await TestCluster().run(arguments)
            #expect(result.status == 0)
            #expect(result.stdout == "fleetctl version \(FleetVersion.current)\n")
        }
    }

    @Test func verifyAndSignSayTheFeatureIsGone() async {
        let verify = await TestCluster().run("verify", "hello.service")
        #expect(verify.status == 2)
        #expect(verify.stderr == "WARNING: The signed/verified units feature is DEPRECATED and cannot be used.\n")
        let sign = await TestCluster().run("start", "--sign", "hello.service")
        #expect(sign.status == 2)
        #expect(sign.stderr == verify.stderr)
    }

    @Test func badCommandFlagsExitTwo() async {
        let result = await TestCluster().run("list-units", "--frobnicate")
        #expect(result.status == 2)
        #expect(result.stderr.contains("--frobnicate"))
        #expect(result.stderr.hasSuffix("Run 'fleetctl help list-units' for usage.\n"))
        let negative = await TestCluster().run("start", "--block-attempts=-1", "a.service")
        #expect(negative.status == 2)
        #expect(negative.stderr.contains("--block-attempts must be 0 or more"))
    }
}
