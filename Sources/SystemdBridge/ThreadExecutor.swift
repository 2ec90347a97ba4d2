#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// What an I/O source (a bus, a journal) asks the executor's thread to wait for between jobs.
struct PollRequest {
    /// The descriptor to poll.
    var fd: CInt
    /// `poll(2)` events (`POLLIN`, `POLLOUT`).
    var events: Int16
    /// Absolute `CLOCK_MONOTONIC` deadline in µs, as sd-bus and sd-journal report it; `nil` for none.
    var deadlineMicroseconds: UInt64?
}

/// A C object that needs its I/O driven on the thread that owns it.
///
/// Both methods are called only on the executor's thread, between jobs, so they may touch the
/// same C objects the actor's methods touch.
protocol ThreadPump: AnyObject {
    /// What to wait for next, or `nil` when there is nothing to wait for.
    func pollRequest() -> PollRequest?
    /// Processes whatever is pending (called after every batch of jobs and after each wake-up).
    func pump()
}

/// A serial executor that runs every job on one dedicated OS thread, and between jobs drives
/// the I/O of an optional `ThreadPump` on that same thread.
///
/// sd-bus and sd-journal objects belong to one thread for their whole life (sd-bus(3),
/// sd_journal_open(3)); an actor whose `unownedExecutor` is this executor keeps them there.
/// The thread ends when the executor is released.
final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    /// State shared between the executor (any thread) and its thread.
    private final class Shared: @unchecked Sendable {
        let queue = Mutex<(jobs: [UnownedJob], stopping: Bool)>(([], false))
        /// A self-pipe: `enqueue` writes a byte so a thread asleep in `poll` wakes up.
        let wakeFD: CInt
        let wakeWriteFD: CInt
        /// Touched only on the executor's thread.
        var pump: (any ThreadPump)?
        var thread: pthread_t?

        init() {
            var fds: [CInt] = [0, 0]
            precondition(pipe(&fds) == 0, "pipe failed: errno \(errno)")
            for fd in fds {
                _ = fcntl(fd, F_SETFL, O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
            wakeFD = fds[0]
            wakeWriteFD = fds[1]
        }

        deinit {
            close(wakeFD)
            close(wakeWriteFD)
        }

        func wake() {
            var byte: UInt8 = 1
            _ = write(wakeWriteFD, &byte, 1)  // a full pipe already means "wake up"
        }
    }

    private let shared = Shared()

    /// Starts the thread.
    init() {
        let shared = self.shared
        // The thread runs jobs through an unowned reference to the executor: jobs exist only
        // while their actor lives, and the actor keeps the executor alive.
        let executor = Unmanaged.passUnretained(self)
        let box = Unmanaged.passRetained(ThreadBody { Self.run(shared, executor) })
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
            body.run()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
        shared.thread = thread
    }

    deinit {
        shared.queue.withLock { $0.stopping = true }
        shared.wake()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        shared.queue.withLock { $0.jobs.append(job) }
        shared.wake()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        precondition(isCurrent, "not on the executor's thread")
    }

    /// Whether the caller runs on this executor's thread.
    var isCurrent: Bool {
        guard let thread = shared.thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    /// Installs (or removes, with `nil`) the I/O source driven between jobs.
    /// Must be called on the executor's thread (from the owning actor).
    func setPump(_ pump: (any ThreadPump)?) {
        precondition(isCurrent, "setPump called off the executor's thread")
        shared.pump = pump
    }

    private static func run(_ shared: Shared, _ executor: Unmanaged<ThreadExecutor>) {
        var drained = [UInt8](repeating: 0, count: 64)
        while true {
            let (jobs, stopping) = shared.queue.withLock { state in
                defer { state.jobs.removeAll(keepingCapacity: true) }
                return (state.jobs, state.stopping)
            }
            if !jobs.isEmpty {
                let unowned = executor.takeUnretainedValue().asUnownedSerialExecutor()
                for job in jobs { job.runSynchronously(on: unowned) }
            } else if stopping {
                shared.pump = nil
                return
            }
            shared.pump?.pump()
            if !jobs.isEmpty { continue }  // look for more jobs before sleeping

            var fds = [pollfd(fd: shared.wakeFD, events: Int16(POLLIN), revents: 0)]
            var timeout: CInt = -1
            if let request = shared.pump?.pollRequest() {
                fds.append(pollfd(fd: request.fd, events: request.events, revents: 0))
                if let deadline = request.deadlineMicroseconds {
                    var now = timespec()
                    clock_gettime(CLOCK_MONOTONIC, &now)
                    let nowMicroseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
                    // Round up so a deadline in the future is not polled as a busy loop.
                    let remaining = deadline > nowMicroseconds ? (deadline - nowMicroseconds + 999) / 1_000 : 0
                    timeout = CInt(min(remaining, UInt64(Int32.max)))
                }
            }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready > 0 && fds[0].revents != 0 { _ = read(shared.wakeFD, &drained, drained.count) }
        }
    }
}

/// Carries the thread's entry closure through `pthread_create`'s `void *`.
private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
