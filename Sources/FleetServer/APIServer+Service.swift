public import ServiceLifecycle

extension APIServer: Service {
    /// Starts the server if needed and serves until it is shut down: by `shutdown()`, by
    /// ServiceLifecycle's graceful shutdown (in-flight requests finish), or by task
    /// cancellation (connections close at once).
    /// - Throws: what `start()` throws.
    public func run() async throws {
        if !hasStarted {
            try await start()
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await waitUntilStopped()
            } onGracefulShutdown: {
                Task { await self.shutdown() }
            }
        } onCancel: {
            Task { await self.shutdown(gracePeriod: .zero) }
        }
    }
}
