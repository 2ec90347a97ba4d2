import Synchronization

/// Watch updates from several watches, handed to the engine in batches: everything that
/// arrived while the engine was busy (writing the previous decisions) is taken at once, so a
/// burst of N changes costs a few scheduler steps and transactions instead of N of each.
final class UpdateInbox: Sendable {
    private struct Queue {
        var updates: [WatchUpdate] = []
        /// A watch ended (the first end wins), cleanly or with `error`.
        var ended = false
        var error: (any Error)?
    }

    private let queue = Mutex(Queue())
    private let wake: AsyncStream<Void>.Continuation
    /// One element whenever something arrived since the last `drain()` may have run; ends when
    /// the reading task is cancelled.
    let signals: AsyncStream<Void>

    init() {
        (signals, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues one update.
    func push(_ update: WatchUpdate) {
        queue.withLock { $0.updates.append(update) }
        wake.yield()
    }

    /// Notes that a watch ended (the first end wins).
    func finish(throwing error: (any Error)? = nil) {
        queue.withLock { queue in
            guard !queue.ended else { return }
            queue.ended = true
            queue.error = error
        }
        wake.yield()
    }

    /// Takes everything queued so far.
    /// - Returns: the updates in arrival order, and whether a watch ended (with its error).
    func drain() -> (updates: [WatchUpdate], ended: Bool, error: (any Error)?) {
        queue.withLock { queue in
            let taken = queue.updates
            queue.updates = []
            return (taken, queue.ended, queue.error)
        }
    }
}
