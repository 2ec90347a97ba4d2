import ArgumentParser

/// `fleetctl verify`: unit signing was removed from fleet; says so and fails, as the original.
struct VerifyCommand: FleetctlCommand {
    static let name = "verify"
    static let summary = "DEPRECATED - No longer works"
    static let usage = "UNIT"
    static let needsClient = false

    @Argument var units: [String] = []

    func run(_ context: CommandContext) async -> Int32 {
        context.console.err("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.")
        return 2
    }
}
