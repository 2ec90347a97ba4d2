#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Runs named checks, prints one line per check and the closing `N passed, N failed` line.
/// A watchdog ends the run (as a failure, with the closing line) if a check hangs.
final class CheckRunner: Sendable {
    private let state = Mutex<(passed: Int, failed: Int, current: String)>((0, 0, ""))

    /// - Parameter timeout: a check still running after one to two of these fails the run.
    init(timeout: Duration) {
        Task.detached { [self] in
            var watched = ""
            while true {
                try? await Task.sleep(for: timeout)
                let current = self.state.withLock { $0.current }
                if !current.isEmpty && current == watched {
                    let (passed, failed) = self.state.withLock { ($0.passed, $0.failed + 1) }
                    say("FAIL \(current): timed out after \(timeout)")
                    say("\(passed) passed, \(failed) failed")
                    exit(1)
                }
                watched = current
            }
        }
    }

    func check(_ name: String, _ body: () async throws -> Void) async {
        let start = ContinuousClock.now
        begin(name)
        do {
            try await body()
            end(passed: true)
            say("PASS \(name) (\(milliseconds(since: start)) ms)")
        } catch {
            end(passed: false)
            say("FAIL \(name): \(error)")
        }
    }

    // The lock is taken only in these synchronous functions: in a release build, Swift 6.3
    // inlined a `withLock` written inside the async `check` so that its unlock ran after the
    // `await`, on another thread ("Call to unlock Mutex on a thread which hasn't acquired the
    // lock"). Remove the @inline(never) once a toolchain is known not to do that.
    @inline(never)
    private func begin(_ name: String) {
        state.withLock { $0.current = "\(name) #\($0.passed + $0.failed)" }
    }

    @inline(never)
    private func end(passed: Bool) {
        state.withLock { state in
            if passed { state.passed += 1 } else { state.failed += 1 }
            state.current = ""
        }
    }

    func finish() -> Never {
        let (passed, failed) = state.withLock { ($0.passed, $0.failed) }
        say("\(passed) passed, \(failed) failed")
        exit(failed == 0 && passed > 0 ? 0 : 1)
    }
}

/// A check's failed expectation.
struct CheckFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CheckFailure(message()) }
}

/// Prints a line and flushes, so a killed run still shows how far it got.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

func milliseconds(since start: ContinuousClock.Instant) -> String {
    let elapsed = ContinuousClock.now - start
    let value = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    return String(Int((value * 100).rounded())) .withDecimal(2)
}

extension String {
    /// "1234" with 2 decimals → "12.34".
    fileprivate func withDecimal(_ places: Int) -> String {
        let padded = String(repeating: "0", count: max(0, places + 1 - count)) + self
        return padded.dropLast(places) + "." + padded.suffix(places)
    }
}

/// Runs a program and waits for it; returns its exit status.
func run(_ arguments: [String]) -> Int32 {
    var pid: pid_t = 0
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    guard posix_spawn(&pid, arguments[0], nil, nil, &argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return (status >> 8) & 0xff
}
