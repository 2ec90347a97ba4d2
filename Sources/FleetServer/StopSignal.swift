import NIOConcurrencyHelpers

/// Fires once, when the server has stopped; `wait()` returns from then on.
final class StopSignal: Sendable {
    private struct State {
        var fired = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Whether the signal has fired.
    var hasFired: Bool { state.withLockedValue { $0.fired } }

    /// Returns once the signal has fired.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let firedAlready = state.withLockedValue { state in
                if state.fired { return true }
                state.waiters.append(continuation)
                return false
            }
            if firedAlready {
                continuation.resume()
            }
        }
    }

    /// Fires the signal, releasing every waiter.
    func fire() {
        let waiters = state.withLockedValue { state in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            waiter.resume()
        }
    }
}
