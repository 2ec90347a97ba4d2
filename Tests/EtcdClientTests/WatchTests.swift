import FleetTesting
import Testing
@testable import EtcdClient

/// Collects a watch's updates from another task.
actor UpdateLog {
    private(set) var updates: [EtcdWatchUpdate] = []
    private(set) var finished = false
    private(set) var error: EtcdError?

    func append(_ update: EtcdWatchUpdate) { updates.append(update) }
    func finish(_ error: EtcdError?) {
        finished = true
        self.error = error
    }

    var events: [EtcdEvent] {
        updates.flatMap { update -> [EtcdEvent] in
            if case .events(let events, _) = update { return events }
            return []
        }
    }
}

/// Starts consuming `watch` in a task that records into the returned log.
func record(_ watch: EtcdWatch) -> (UpdateLog, Task<Void, Never>) {
    let log = UpdateLog()
    let task = Task {
        do {
            for try await update in watch { await log.append(update) }
            await log.finish(nil)
        } catch {
            await log.finish(error as? EtcdError ?? EtcdError(.server, operation: "test", message: "\(error)"))
        }
    }
    return (log, task)
}

@Suite("Watch against a real etcd")
struct WatchTests {
    @Test func deliversPutsAndDeletesWithPreviousValues() async throws {
        try await withEtcdClient { _, client in
            let start = try await client.put("w/a", value: "1").revision + 1
            let (log, task) = record(client.watch(.prefix("w/"), options: .init(startRevision: start, prevKV: true)))
            defer { task.cancel() }

            try await client.put("w/a", value: "2")
            try await client.delete(.key("w/a"))
            try await client.put("w/b", value: "3")
            try await client.put("other", value: "not watched")

            #expect(await eventually(within: .seconds(10)) { await log.events.count >= 3 })
            let events = await log.events
            try #require(events.count == 3)
            #expect(events[0].kind == .put)
            #expect(events[0].kv.key == "w/a")
            #expect(events[0].kv.valueString == "2")
            #expect(events[0].prevKV?.valueString == "1")
            #expect(events[1].kind == .delete)
            #expect(events[1].kv.key == "w/a")
            #expect(events[1].prevKV?.valueString == "2")
            #expect(events[2].kind == .put)
            #expect(events[2].kv.key == "w/b")
            #expect(events[2].prevKV == nil)
            #expect(events.map(\.kv.modRevision) == [start, start + 1, start + 2])
        }
    }

    @Test func oneTransactionArrivesAsOneBatch() async throws {
        try await withEtcdClient { _, client in
            let start = try await client.range(.key("x")).revision + 1
            let (log, task) = record(client.watch(.prefix("t/"), options: .init(startRevision: start)))
            defer { task.cancel() }
            let txn = try await client.txn(
                compare: [], success: [.put(key: "t/1", value: [1]), .put(key: "t/2", value: [2])])
            #expect(await eventually(within: .seconds(10)) { await log.events.count >= 2 })
            let updates = await log.updates
            let events = await log.events
            #expect(updates == [.events(events, revision: txn.revision)])
        }
    }

    @Test(arguments: [false, true])
    func resumesAfterAnEtcdRestartWithoutLosingEvents(killed: Bool) async throws {
        try await withEtcdClient { etcd, client in
            let start = try await client.range(.key("x")).revision + 1
            let (log, task) = record(client.watch(.prefix("r/"), options: .init(startRevision: start)))
            defer { task.cancel() }

            for i in 1...5 { try await client.put("r/\(i)", value: "\(i)") }
            #expect(await eventually(within: .seconds(10)) { await log.events.count >= 5 })

            if killed { await etcd.kill() } else { await etcd.stop() }
            try await etcd.restart()
            // Written while the watch is reconnecting (its backoff is at least 50 ms).
            for i in 6...10 { try await client.put("r/\(i)", value: "\(i)") }

            #expect(await eventually(within: .seconds(20)) { await log.events.count >= 10 })
            try await Task.sleep(for: .milliseconds(200))  // anything duplicated would show up now
            let events = await log.events
            #expect(events.map(\.kv.key) == (1...10).map { "r/\($0)" })
            #expect(events.map(\.kv.modRevision) == (0..<10).map { start + Int64($0) })
            #expect(await log.error == nil)
        }
    }

    @Test func aCompactedStartRevisionIsReportedAndEndsTheWatch() async throws {
        try await withEtcdClient { _, client in
            let first = try await client.put("c/k", value: "1").revision
            try await client.put("c/k", value: "2")
            let compactTo = try await client.put("c/k", value: "3").revision
            try await client.compact(revision: compactTo)

            var iterator = client.watch(.prefix("c/"), options: .init(startRevision: first)).makeAsyncIterator()
            let update = try await iterator.next()
            #expect(update == .compacted(compactRevision: compactTo, requestedRevision: first))
            #expect(try await iterator.next() == nil)
        }
    }

    @Test func progressNotificationsReportTheCurrentRevision() async throws {
        let options = EtcdProcess.Options(extraArguments: ["--experimental-watch-progress-notify-interval=200ms"])
        try await withEtcdClient(options) { _, client in
            let revision = try await client.put("q/k", value: "v").revision
            var iterator = client.watch(.prefix("quiet/"), options: .init(progressNotify: true)).makeAsyncIterator()
            let update = try await iterator.next()
            #expect(update == .progress(revision: revision))
        }
    }

    @Test func watchingFromNowSkipsHistory() async throws {
        try await withEtcdClient { _, client in
            try await client.put("n/old", value: "before the watch")
            let (log, task) = record(client.watch(.prefix("n/")))
            defer { task.cancel() }
            // The watch starts asynchronously: write until it reports something.
            var written = 0
            let delivered = await eventually(within: .seconds(10)) {
                written += 1
                _ = try? await client.put("n/new\(written)", value: "after")
                return await !log.events.isEmpty
            }
            #expect(delivered)
            #expect(await !log.events.contains { $0.kv.key == "n/old" })
        }
    }

    @Test func cancellingTheConsumerEndsTheWatch() async throws {
        try await withEtcdClient { _, client in
            let (log, task) = record(client.watch(.prefix("idle/")))
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            #expect(await eventually(within: .seconds(5)) { await log.finished })
            #expect(await log.error == nil)
        }
    }
}
