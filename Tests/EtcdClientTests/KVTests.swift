import FleetTesting
import Testing
@testable import EtcdClient

@Suite("KV against a real etcd")
struct KVTests {
    @Test func putThenGetReturnsValueAndRevisions() async throws {
        try await withEtcdClient { _, client in
            let first = try await client.put("units/a.service", value: "one")
            #expect(first.prevKV == nil)
            let second = try await client.put("units/a.service", value: "two", prevKV: true)
            #expect(second.revision == first.revision + 1)
            #expect(second.prevKV?.valueString == "one")
            #expect(second.prevKV?.modRevision == first.revision)

            let kv = try #require(try await client.get("units/a.service"))
            #expect(kv.key == "units/a.service")
            #expect(kv.valueString == "two")
            #expect(kv.version == 2)
            #expect(kv.createRevision == first.revision)
            #expect(kv.modRevision == second.revision)
            #expect(kv.lease == 0)
            #expect(try await client.get("units/missing") == nil)
        }
    }

    @Test func binaryValuesRoundTrip() async throws {
        try await withEtcdClient { _, client in
            let value: [UInt8] = Array(0...255) + [0, 0xff, 10, 13]
            try await client.put("bin", value: value)
            #expect(try await client.get("bin")?.value == value)
        }
    }

    @Test func rangeByPrefixLimitKeysOnlyCountOnlyAndSort() async throws {
        try await withEtcdClient { _, client in
            for name in ["b", "a", "c"] { try await client.put("p/\(name)", value: "v\(name)") }
            try await client.put("p0", value: "after the prefix")
            try await client.put("o", value: "before the prefix")

            let all = try await client.range(.prefix("p/"))
            #expect(all.kvs.map(\.key) == ["p/a", "p/b", "p/c"])
            #expect(all.kvs.map(\.valueString) == ["va", "vb", "vc"])
            #expect(all.count == 3)
            #expect(!all.more)

            let limited = try await client.range(.prefix("p/"), options: .init(limit: 2))
            #expect(limited.kvs.map(\.key) == ["p/a", "p/b"])
            #expect(limited.more)
            #expect(limited.count == 3)

            let keysOnly = try await client.range(.prefix("p/"), options: .init(keysOnly: true))
            #expect(keysOnly.kvs.map(\.key) == ["p/a", "p/b", "p/c"])
            #expect(keysOnly.kvs.allSatisfy { $0.value.isEmpty })

            let countOnly = try await client.range(.prefix("p/"), options: .init(countOnly: true))
            #expect(countOnly.kvs.isEmpty)
            #expect(countOnly.count == 3)

            let descending = try await client.range(.prefix("p/"), options: .init(sortOrder: .descending, sortTarget: .key))
            #expect(descending.kvs.map(\.key) == ["p/c", "p/b", "p/a"])

            let byCreation = try await client.range(.prefix("p/"), options: .init(sortOrder: .ascending, sortTarget: .createRevision))
            #expect(byCreation.kvs.map(\.key) == ["p/b", "p/a", "p/c"])

            let halfOpen = try await client.range(.range(from: "p/b", to: "p0"))
            #expect(halfOpen.kvs.map(\.key) == ["p/b", "p/c"])

            let fromKey = try await client.range(.from("p/c"))
            #expect(fromKey.kvs.map(\.key) == ["p/c", "p0"])

            let everything = try await client.range(.prefix(""))
            #expect(everything.count == 5)
        }
    }

    @Test func rangeAtAnOlderRevisionSeesOldValues() async throws {
        try await withEtcdClient { _, client in
            let old = try await client.put("k", value: "old")
            try await client.put("k", value: "new")
            let past = try await client.range(.key("k"), options: .init(revision: old.revision))
            #expect(past.kvs.first?.valueString == "old")
        }
    }

    @Test func rangeAtACompactedRevisionThrowsCompacted() async throws {
        try await withEtcdClient { _, client in
            let old = try await client.put("k", value: "1")
            let latest = try await client.put("k", value: "2")
            try await client.compact(revision: latest.revision)
            let error = await #expect(throws: EtcdError.self) {
                try await client.range(.key("k"), options: .init(revision: old.revision))
            }
            #expect(error?.code == .compacted)
        }
    }

    @Test func rangeAtAFutureRevisionThrowsFutureRevision() async throws {
        try await withEtcdClient { _, client in
            let error = await #expect(throws: EtcdError.self) {
                try await client.range(.key("k"), options: .init(revision: 1_000_000))
            }
            #expect(error?.code == .futureRevision)
            #expect(error?.grpcCode == 11)
        }
    }

    @Test func deleteOneKeyAndAPrefix() async throws {
        try await withEtcdClient { _, client in
            for name in ["a", "b", "c"] { try await client.put("d/\(name)", value: name) }
            try await client.put("keep", value: "x")

            let one = try await client.delete(.key("d/a"), prevKV: true)
            #expect(one.deleted == 1)
            #expect(one.prevKVs.map(\.valueString) == ["a"])
            #expect(try await client.get("d/a") == nil)

            let rest = try await client.delete(.prefix("d/"))
            #expect(rest.deleted == 2)
            #expect(rest.prevKVs.isEmpty)
            #expect(try await client.range(.prefix("d/")).count == 0)
            #expect(try await client.get("keep")?.valueString == "x")

            let none = try await client.delete(.key("d/a"))
            #expect(none.deleted == 0)
        }
    }
}

@Suite("Key ranges")
struct EtcdKeyRangeTests {
    @Test func prefixEndIncrementsTheLastByteBelow0xff() {
        #expect(EtcdKeyRange.prefix("abc").rangeEnd == "abd".bytes)
        #expect(EtcdKeyRange.prefixEnd([0x61, 0xff]) == [0x62])
        #expect(EtcdKeyRange.prefixEnd([0xff, 0xff]) == [0])
        #expect(EtcdKeyRange.prefix("") == EtcdKeyRange(key: [0], rangeEnd: [0]))
        #expect(EtcdKeyRange.key("k").rangeEnd.isEmpty)
        #expect(EtcdKeyRange.from("k").rangeEnd == [0])
    }
}
