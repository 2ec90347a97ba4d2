import Synchronization
@testable import FleetCore

/// A clock that moves only when told to.
final class ManualClock: ClockSource {
    private let current = Mutex<Duration>(.zero)

    var now: Duration { current.withLock { $0 } }

    func advance(by duration: Duration) {
        current.withLock { $0 += duration }
    }
}
