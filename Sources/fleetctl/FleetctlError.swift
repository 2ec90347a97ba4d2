/// A failure a command reports: one message on standard error and an exit status.
struct FleetctlError: Error, Sendable, Equatable {
    /// The process exit status.
    let status: Int32
    /// The message, without trailing newline.
    let message: String

    init(status: Int32 = 1, _ message: String) {
        self.status = status
        self.message = message
    }
}
