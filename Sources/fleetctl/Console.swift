import Foundation
import Synchronization

/// Where a command writes: standard output and standard error, or buffers in tests.
/// `line` forms end each message with a newline unless it has one, as the original's
/// `stdout`/`stderr` helpers did.
final class Console: Sendable {
    private let writeOut: @Sendable (String) -> Void
    private let writeErr: @Sendable (String) -> Void

    init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        writeOut = out
        writeErr = err
    }

    /// The process's standard output and error.
    static let standard = Console(
        out: { FileHandle.standardOutput.write(Data($0.utf8)) },
        err: { FileHandle.standardError.write(Data($0.utf8)) })

    /// Writes `text` to standard output as it is.
    func write(_ text: String) { writeOut(text) }

    /// Writes `text` to standard error as it is (a question waiting on the same line).
    func write(toError text: String) { writeErr(text) }

    /// Writes one line to standard output.
    func out(_ line: String) { writeOut(line.hasSuffix("\n") ? line : line + "\n") }

    /// Writes one line to standard error.
    func err(_ line: String) { writeErr(line.hasSuffix("\n") ? line : line + "\n") }
}

/// Collects what a `Console` writes (tests, and nothing else needs it).
final class CapturedOutput: Sendable {
    private let buffers = Mutex<(out: String, err: String)>(("", ""))

    /// A console writing into this capture.
    var console: Console {
        Console(out: { text in self.buffers.withLock { $0.out += text } },
                err: { text in self.buffers.withLock { $0.err += text } })
    }

    var stdout: String { buffers.withLock { $0.out } }
    var stderr: String { buffers.withLock { $0.err } }
}
