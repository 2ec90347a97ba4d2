#if canImport(Glibc)
import Glibc
#endif

/// Runs named checks, prints one line per check and the closing `N passed, N failed` line.
final class CheckRunner {
    private(set) var passed = 0
    private(set) var failed = 0

    func check(_ name: String, _ body: () async throws -> Void) async {
        let start = ContinuousClock.now
        do {
            try await body()
            passed += 1
            say("PASS \(name) (\(milliseconds(since: start)) ms)")
        } catch {
            failed += 1
            say("FAIL \(name): \(error)")
        }
    }

    func finish() -> Never {
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
