import Foundation
import Synchronization

/// The standard streams child processes (ssh) inherit and host-key answers are read from: the
/// process's own, or files and pipes in tests.
struct ProcessIO: Sendable {
    var input: Int32 = 0
    var output: Int32 = 1
    var error: Int32 = 2

    /// fleetctl's own standard input, output and error.
    static let standard = ProcessIO()

    /// Reads one line from `input`, a byte at a time so that nothing after the newline is taken
    /// from a child that reads the same input next.
    /// - Returns: the line without its newline; nil at end of input with nothing read.
    func readLine() -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(input, &byte, 1)
            if count < 0, errno == EINTR { continue }
            guard count == 1 else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }
}

/// Runs programs fleetctl relies on (`ssh`, `ssh-keyscan`) as child processes.
enum ChildProcess {
    /// Runs `executable` with the given streams and waits for it.
    /// - Returns: its exit status, or 128 + the signal number when a signal ended it.
    /// - Throws: `FleetctlError` when it cannot be started.
    static func run(_ executable: String, _ arguments: [String], io: ProcessIO, environment: [String: String]) async throws(FleetctlError) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle(fileDescriptor: io.input, closeOnDealloc: false)
        process.standardOutput = FileHandle(fileDescriptor: io.output, closeOnDealloc: false)
        process.standardError = FileHandle(fileDescriptor: io.error, closeOnDealloc: false)
        return try await start(process, executable)
    }

    /// Runs `executable` with no input and collects what it writes.
    /// - Returns: exit status, standard output and standard error.
    /// - Throws: `FleetctlError` when it cannot be started.
    static func capture(_ executable: String, _ arguments: [String], environment: [String: String]) async throws(FleetctlError) -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        // Both pipes are drained on their own threads while the child runs (a full pipe would
        // stall it; blocking reads must stay off Swift's cooperative pool).
        let out = drain(output.fileHandleForReading), err = drain(error.fileHandleForReading)
        let status = try await start(process, executable)
        return (status, String(decoding: await out.value, as: UTF8.self), String(decoding: await err.value, as: UTF8.self))
    }

    /// Reads `handle` to its end on a dispatch thread.
    private static func drain(_ handle: FileHandle) -> Task<Data, Never> {
        let read = AsyncStream<Data>.makeStream()
        DispatchQueue.global().async {
            read.continuation.yield(handle.readDataToEndOfFile())
            read.continuation.finish()
        }
        return Task {
            for await data in read.stream { return data }
            return Data()
        }
    }

    /// Starts `process` from a fresh thread with no signal blocked. A child inherits the signal
    /// mask of the thread that spawns it, and Swift's executor threads block nearly every
    /// signal: ssh started from one would ignore SIGTERM and SIGINT, and a shell could never
    /// see its own child exit (SIGCHLD).
    static func launch(_ process: Process, _ executable: String) async throws(FleetctlError) {
        let failure = Mutex<String?>(nil)
        let started = AsyncStream<Void>.makeStream()
        let thread = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do {
                try process.run()
            } catch {
                failure.withLock { $0 = error.localizedDescription }
            }
            started.continuation.finish()
        }
        thread.start()
        for await _ in started.stream {}
        if let failure = failure.withLock({ $0 }) {
            throw FleetctlError("unable to run \(executable): \(failure)")
        }
    }

    private static func start(_ process: Process, _ executable: String) async throws(FleetctlError) -> Int32 {
        let finished = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in finished.continuation.finish() }
        try await launch(process, executable)
        for await _ in finished.stream {}
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
