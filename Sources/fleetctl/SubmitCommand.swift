import ArgumentParser

/// `fleetctl submit UNIT...`: uploads units without scheduling them.
struct SubmitCommand: FleetctlCommand {
    static let name = "submit"
    static let summary = "Upload one or more units to the cluster without starting them"
    static let usage = "[--replace] UNIT..."
    static let details = """
        Upload one or more units to the cluster without starting them. Useful
        for validating units before they are started.

        This operation is idempotent; if a named unit already exists in the cluster, it will not be resubmitted.
        """
    static let flagHelp: [(flag: String, usage: String)] = [("--replace=false", "Replace the already submitted units in the cluster with new versions.")]

    @Flag(name: .customLong("replace")) var replace = false
    @Argument var units: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        guard !units.isEmpty else {
            context.console.err("No units given")
            return 0
        }
        do {
            try await UnitCreator(context: context, purpose: .submit, replace: replace, attempts: 0).createUnits(units)
        } catch {
            context.console.err("Error creating units: \(error.message)")
            return 1
        }
        return 0
    }
}
