import ArgumentParser
import FleetCore

/// `fleetctl fd-forward SOCKET`: proxies standard input and output to a unix socket; the SSH
/// tunnel runs it on the remote machine.
struct FDForwardCommand: FleetctlCommand {
    static let name = "fd-forward"
    static let summary = "Proxy stdin and stdout to a unix domain socket"
    static let usage = "SOCKET"
    static let details = """
        fleetctl utilizes fd-forward when --tunnel is used and --endpoint is a unix socket. This
        command is not intended to be called by users directly.
        """
    static let needsClient = false

    @Argument var socket: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        guard socket.count == 1 else {
            context.console.err("Provide a single argument")
            return 1
        }
        guard !socket[0].isEmpty else {
            context.console.err("Unable to use \"\(socket[0])\" as unix address: empty path")
            return 1
        }
        do {
            try await UnixSocketForwarder.forward(socketPath: socket[0], input: 0, output: 1)
        } catch where error.kind == .dial {
            // The original exited 0 here.
            context.console.err("Failed dialing remote address: \(error)")
            return 0
        } catch {
            context.console.err("Encountered error during copy: \(error)")
            return 1
        }
        return 0
    }
}
