import Testing
@testable import fleetctl

@Suite struct CompletionCommandTests {
    @Test(arguments: ["bash", "zsh", "fish"])
    func scriptsNameEveryCommand(shell: String) async {
        let result = await TestCluster().run("completion", shell)
        #expect(result.status == 0)
        for command in Fleetctl.commands {
            #expect(result.stdout.contains(command.name), "\(shell) script lacks \(command.name)")
        }
        // Command flags are completed too.
        #expect(result.stdout.contains("ssh-port"))
        #expect(result.stdout.contains("block-attempts"))
        #expect(result.stdout.contains("fleetctl"))
    }

    @Test func anUnknownShellIsAnError() async {
        for arguments in [["completion"], ["completion", "tcsh"], ["completion", "bash", "zsh"]] {
            let result = await TestCluster().run(arguments)
            #expect(result.status == 1)
            #expect(result.stderr == "One shell must be provided: bash, zsh or fish\n")
        }
    }
}
