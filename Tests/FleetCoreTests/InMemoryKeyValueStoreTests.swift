import Testing
@testable import FleetCore

/// Behaviour of the in-memory store that etcd has but the conformance suite can't trigger
/// portably (compaction and broken streams are test controls here).
@Suite struct InMemoryKeyValueStoreTests {
    @Test func watchingACompactedRevisionReportsCompaction() async throws {
        let store = InMemoryKeyValueStore(clock: ManualClock())
        let first = try await store.put("k", [1])
        try await store.put("k", [2])
        await store.compact(first + 1)
        var iterator = store.watch(prefix: "k", startRevision: first).makeAsyncIterator()
        #expect(try await iterator.next() == .compacted(compactRevision: first + 1))
        #expect(try await iterator.next() == nil)
    }

    @Test func putOnAMissingLeaseFailsAndWritesNothing() async throws {
        let store = InMemoryKeyValueStore(clock: ManualClock())
        await #expect(throws: KeyValueStoreError.self) {
            try await store.txn([], success: [.put("a", [1], lease: 0), .put("b", [1], lease: 99)], failure: [])
        }
        #expect(try await store.get("a") == nil)
    }

    @Test func prefixRangeEndIncrementsTheLastByte() {
        #expect(prefixRangeEnd(Array("abc".utf8)) == Array("abd".utf8))
        #expect(prefixRangeEnd([0x61, 0xFF]) == [0x62])
        #expect(prefixRangeEnd([0xFF]) == [0])
    }

    @Test func aTransactionWritingOneKeyTwiceIsRefusedAsEtcdDoes() async throws {
        let store = InMemoryKeyValueStore(clock: ManualClock())
        await #expect(throws: KeyValueStoreError.self) {
            try await store.txn([], success: [.put("a", [1], lease: 0), .delete("a", prefix: false)], failure: [])
        }
        #expect(try await store.get("a") == nil)
    }
}
