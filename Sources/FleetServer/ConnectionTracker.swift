import NIOConcurrencyHelpers
import NIOCore

/// The open connections of one server, so shutdown can ask each to finish and wait for them.
final class ConnectionTracker: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var isQuiescing = false
    }

    private let state = NIOLockedValueBox(State())

    /// How many connections are open.
    var count: Int { state.withLockedValue { $0.channels.count } }

    /// Records a new connection until it closes.
    /// - Returns: false when shutdown has begun; the caller must not serve the connection.
    func add(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let accepted = state.withLockedValue { state in
            guard !state.isQuiescing else { return false }
            state.channels[id] = channel
            return true
        }
        if accepted {
            channel.closeFuture.whenComplete { [state] _ in
                _ = state.withLockedValue { $0.channels.removeValue(forKey: id) }
            }
        }
        return accepted
    }

    /// Asks every connection to finish its current response and close: idle ones close now,
    /// streaming responses end. New connections are refused from now on.
    /// - Returns: the connections that were open.
    func quiesceAll() -> [any Channel] {
        let channels = state.withLockedValue { state in
            state.isQuiescing = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            channel.pipeline.fireUserInboundEventTriggered(APIServerDrainEvent())
        }
        return channels
    }

    /// Closes every connection still open.
    func closeAll() {
        let channels = state.withLockedValue { Array($0.channels.values) }
        for channel in channels {
            channel.close(promise: nil)
        }
    }

    /// Waits until `channels` have closed, closing the remaining ones after `gracePeriod`.
    func waitForClose(_ channels: [any Channel], gracePeriod: Duration) async {
        guard !channels.isEmpty else { return }
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for channel in channels {
                    try? await channel.closeFuture.get()
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: gracePeriod)
                return false
            }
            let allClosed = await group.next() ?? true
            if !allClosed {
                // Closing completes the first task's futures, so the group can end.
                for channel in channels {
                    channel.close(promise: nil)
                }
            }
            group.cancelAll()
        }
    }
}
