internal import CSystemd
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads the local journal through sd-journal: one unit's last entries, or a live follow.
///
/// The `sd_journal` object lives on one dedicated thread for its whole life
/// (sd_journal_open(3)); this actor runs there. A `Journal` has one read position: `entries`
/// or a new `follow` ends the follow in progress, so open one `Journal` per concurrent follow.
/// Call `close()` when done.
public actor Journal {
    private let executor = ThreadExecutor()
    private let reader = JournalReader()

    /// The actor's jobs run on the journal's own thread.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init() {}

    /// Opens the local machine's journal (system and user files).
    /// - Throws: `SystemdError` when the journal cannot be opened.
    public static func open() async throws(SystemdError) -> Journal {
        let journal = Journal()
        try await journal.start()
        return journal
    }

    private func start() throws(SystemdError) {
        try reader.open()
        // The reader asks to be polled only while it follows.
        executor.setPump(reader)
    }

    // Runs on the journal's thread: a journal dropped without `close()` is still closed there.
    isolated deinit {
        reader.close()
    }

    /// Closes the journal and ends a follow in progress.
    public func close() {
        reader.close()
        executor.setPump(nil)
    }

    /// The last entries of one unit (`_SYSTEMD_UNIT=NAME` or `UNIT=NAME`), oldest first.
    /// - Parameters:
    ///   - unit: the unit name.
    ///   - count: how many entries at most.
    /// - Returns: up to `count` entries.
    /// - Throws: `SystemdError` when the journal cannot be read.
    public func entries(unit: String, last count: Int) throws(SystemdError) -> [JournalEntry] {
        reader.stopFollowing()
        try reader.match(unit: unit)
        return try reader.last(count)
    }

    /// Follows one unit's entries: first up to `count` existing ones, then each new one as the
    /// journal gets it (woken by the journal's inotify descriptor, not by polling).
    /// - Parameters:
    ///   - unit: the unit name.
    ///   - count: how many existing entries to send first.
    /// - Returns: a stream that ends on `close()`, when another follow starts, or when the
    ///   consumer stops iterating.
    /// - Throws: `SystemdError` when the journal cannot be read.
    public func follow(unit: String, last count: Int) throws(SystemdError) -> AsyncThrowingStream<JournalEntry, any Error> {
        reader.stopFollowing()
        try reader.match(unit: unit)
        let (stream, continuation) = AsyncThrowingStream<JournalEntry, any Error>.makeStream()
        for entry in try reader.last(count) { continuation.yield(entry) }
        let generation = try reader.follow(continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.stopFollowing(generation) }
        }
        return stream
    }

    private func stopFollowing(_ generation: Int) {
        reader.stopFollowing(generation)
    }
}

/// Owns an `sd_journal`; used only on the `Journal` actor's thread.
final class JournalReader: ThreadPump {
    private var journal: OpaquePointer?
    private var follower: AsyncThrowingStream<JournalEntry, any Error>.Continuation?
    /// Counts follows, so the end of an old stream cannot stop a newer follow.
    private var generation = 0

    func open() throws(SystemdError) {
        var raw: OpaquePointer? = nil
        try sdCheck("sd_journal_open") { sd_journal_open(&raw, CInt(SD_JOURNAL_LOCAL_ONLY)) }
        journal = raw
    }

    func close() {
        stopFollowing()
        if let journal { sd_journal_close(journal) }
        journal = nil
    }

    private func require() throws(SystemdError) -> OpaquePointer {
        guard let journal else { throw SystemdError(operation: "sd_journal", errno: 9, code: .closed) }  // EBADF
        return journal
    }

    /// Restricts reading to one unit: `_SYSTEMD_UNIT=NAME` OR `UNIT=NAME`.
    func match(unit: String) throws(SystemdError) {
        let journal = try require()
        sd_journal_flush_matches(journal)
        for field in ["_SYSTEMD_UNIT=", "UNIT="] {
            let match = Array((field + unit).utf8)
            let result = match.withUnsafeBytes { sd_journal_add_match(journal, $0.baseAddress, $0.count) }
            try sdCheck("sd_journal_add_match", unit: unit) { result }
            try sdCheck("sd_journal_add_disjunction", unit: unit) { sd_journal_add_disjunction(journal) }
        }
    }

    /// The last `count` matching entries, oldest first; leaves the position at the end.
    func last(_ count: Int) throws(SystemdError) -> [JournalEntry] {
        let journal = try require()
        try sdCheck("sd_journal_seek_tail") { sd_journal_seek_tail(journal) }
        var entries: [JournalEntry] = []
        while entries.count < count, try sdCheck("sd_journal_previous", { sd_journal_previous(journal) }) > 0 {
            entries.append(try read(journal))
        }
        // Park after the newest entry so a follow reads only what comes next.
        try sdCheck("sd_journal_seek_tail") { sd_journal_seek_tail(journal) }
        _ = sd_journal_previous(journal)
        return entries.reversed()
    }

    /// Starts following; returns the follow's generation.
    func follow(_ continuation: AsyncThrowingStream<JournalEntry, any Error>.Continuation) throws(SystemdError) -> Int {
        let journal = try require()
        // Getting the fd sets up inotify; entries written from now on wake the thread.
        try sdCheck("sd_journal_get_fd") { sd_journal_get_fd(journal) }
        follower = continuation
        generation += 1
        return generation
    }

    /// Ends the follow in progress, or only the given one if it is still current.
    func stopFollowing(_ only: Int? = nil) {
        if let only, only != generation { return }
        follower?.finish()
        follower = nil
    }

    private func read(_ journal: OpaquePointer) throws(SystemdError) -> JournalEntry {
        var fields: [JournalEntry.Field] = []
        var data: UnsafeRawPointer? = nil
        var length = 0
        sd_journal_restart_data(journal)
        while try sdCheck("sd_journal_enumerate_data", { sd_journal_enumerate_data(journal, &data, &length) }) > 0 {
            guard let data else { continue }
            let bytes = UnsafeRawBufferPointer(start: data, count: length)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            fields.append(.init(
                name: String(decoding: bytes[..<equals], as: UTF8.self),
                value: Array(bytes[(equals + 1)...])))
        }
        var realtime: UInt64 = 0
        var monotonic: UInt64 = 0
        var boot = sd_id128_t()
        _ = sd_journal_get_realtime_usec(journal, &realtime)
        _ = sd_journal_get_monotonic_usec(journal, &monotonic, &boot)
        var cursorPointer: UnsafeMutablePointer<CChar>? = nil
        var cursor = ""
        if sd_journal_get_cursor(journal, &cursorPointer) >= 0, let cursorPointer {
            cursor = String(cString: cursorPointer)
            free(cursorPointer)
        }
        let bootID = withUnsafeBytes(of: boot.bytes) { raw in
            raw.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        }
        return JournalEntry(fields: fields, realtime: realtime, monotonic: monotonic, bootID: bootID, cursor: cursor)
    }

    // MARK: ThreadPump

    func pollRequest() -> PollRequest? {
        guard let journal, follower != nil else { return nil }
        let fd = sd_journal_get_fd(journal)
        let events = sd_journal_get_events(journal)
        guard fd >= 0, events >= 0 else { return nil }
        var deadline: UInt64 = 0
        let hasTimeout = sd_journal_get_timeout(journal, &deadline) >= 0 && deadline != UInt64.max
        return PollRequest(fd: fd, events: Int16(events), deadlineMicroseconds: hasTimeout ? deadline : nil)
    }

    func pump() {
        guard let journal, let follower else { return }
        _ = sd_journal_process(journal)
        do {
            while try sdCheck("sd_journal_next", { sd_journal_next(journal) }) > 0 {
                if case .terminated = follower.yield(try read(journal)) {
                    self.follower = nil
                    return
                }
            }
        } catch {
            follower.finish(throwing: error)
            self.follower = nil
        }
    }
}
