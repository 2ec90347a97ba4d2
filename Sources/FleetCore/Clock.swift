/// Monotonic time, injected so reconcilers and the in-memory store can be tested with a
/// manual clock instead of waiting.
public protocol ClockSource: Sendable {
    /// Time elapsed since an arbitrary fixed origin; never goes backwards.
    var now: Duration { get }
}

/// The process's monotonic clock.
public struct SystemClock: ClockSource {
    private let origin = ContinuousClock.now

    /// A clock whose origin is the moment it was made.
    public init() {}

    public var now: Duration { ContinuousClock.now - origin }
}
