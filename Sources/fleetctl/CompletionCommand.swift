import ArgumentParser

/// `fleetctl completion bash|zsh|fish`: a shell completion script for every command and its
/// flags, written by swift-argument-parser. Beyond the original.
struct CompletionCommand: FleetctlCommand {
    static let name = "completion"
    static let summary = "Print a shell completion script (bash, zsh or fish)"
    static let usage = "bash|zsh|fish"
    static let details = """
        Prints a completion script for the given shell to stdout, e.g.
        \tfleetctl completion bash > /etc/bash_completion.d/fleetctl
        \tfleetctl completion zsh > "${fpath[1]}/_fleetctl"
        \tfleetctl completion fish > ~/.config/fish/completions/fleetctl.fish
        """
    static let needsClient = false

    @Argument var shell: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        guard shell.count == 1, let kind = CompletionShell(rawValue: shell[0]) else {
            context.console.err("One shell must be provided: bash, zsh or fish")
            return 1
        }
        context.console.write(CompletionRoot.completionScript(for: kind))
        return 0
    }
}

/// fleetctl as ArgumentParser sees it when writing completion scripts: every command below it.
struct CompletionRoot: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "fleetctl", subcommands: Fleetctl.commands.map { $0 as any ParsableCommand.Type })
    }
}
