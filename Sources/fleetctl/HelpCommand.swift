import ArgumentParser
import FleetCore
import Foundation

/// `fleetctl help [COMMAND]`: the command list with the global options, or one command's help,
/// in the original's layout.
struct HelpCommand: FleetctlCommand {
    static let name = "help"
    static let summary = "Show a list of commands or help for one command"
    static let usage = "[COMMAND]"
    static let details = "Show a list of commands or detailed help for one command"
    static let needsClient = false

    @Argument var command: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        guard let name = command.first else {
            context.console.write(Self.globalHelp())
            return 0
        }
        guard let found = Fleetctl.commands.first(where: { $0.name == name }) else {
            context.console.out("Unrecognized command: \(name)")
            return 1
        }
        context.console.out(Self.commandHelp(found))
        return 0
    }

    /// The command list, version and global options.
    static func globalHelp() -> String {
        var writer = TabWriter()
        writer.add("NAME:")
        writer.add("\tfleetctl - fleetctl is a command-line interface to fleet, the cluster-wide CoreOS init system.")
        writer.add("")
        writer.add("USAGE:")
        writer.add("\tfleetctl [global options] <command> [command options] [arguments...]")
        writer.add("")
        writer.add("VERSION:")
        writer.add("\t\(FleetVersion.current)")
        writer.add("")
        writer.add("COMMANDS:")
        for command in Fleetctl.commands {
            writer.add("\t\(command.name)\t\(command.summary)")
        }
        writer.add("")
        writer.add("GLOBAL OPTIONS:")
        let defaults = GlobalOptions()
        for flag in GlobalOptions.flags where !flag.hidden {
            writer.add("\t--\(flag.name)=\(flag.get(defaults))\t\(flag.usage)")
        }
        writer.add("")
        writer.add("Global options can also be configured via upper-case environment variables prefixed with \"FLEETCTL_\"")
        writer.add("For example, \"some-flag\" => \"FLEETCTL_SOME_FLAG\"")
        writer.add("")
        writer.add("Run \"fleetctl help <command>\" for more details on a specific command.")
        return writer.render()
    }

    /// One command's help: name, usage, description, options.
    static func commandHelp(_ command: any FleetctlCommand.Type) -> String {
        var writer = TabWriter()
        writer.add("NAME:")
        writer.add("\t\(command.name) - \(command.summary)")
        writer.add("")
        writer.add("USAGE:")
        writer.add("\tfleetctl \(command.name) \(command.usage)")
        writer.add("")
        writer.add("DESCRIPTION:")
        for line in command.details.split(separator: "\n", omittingEmptySubsequences: false) {
            writer.add("\t" + line.trimmingCharacters(in: .whitespaces))
        }
        writer.add("")
        if !command.flagHelp.isEmpty {
            writer.add("OPTIONS:")
            for (flag, usage) in command.flagHelp {
                writer.add("\t\(flag)\t\(usage)")
            }
            writer.add("")
        }
        writer.add("For help on global options run \"fleetctl help\"")
        return writer.render()
    }
}
