import FleetTesting
import Testing
@testable import EtcdClient

@Suite("Transactions against a real etcd")
struct TxnTests {
    enum Field: String, CaseIterable, CustomTestStringConvertible {
        case version, createRevision, modRevision, value, lease
        var testDescription: String { rawValue }
    }

    /// For each compared field: a guard that holds on the stored key, and one that does not.
    @Test(arguments: Field.allCases)
    func compareSelectsTheBranch(field: Field) async throws {
        try await withEtcdClient { _, client in
            let lease = try await client.grantLease(ttl: 60)
            try await client.put("k", value: "v1", lease: lease.id)
            let stored = try #require(try await client.get("k"))

            func guards(holding: Bool) -> EtcdCompare {
                switch field {
                case .version: EtcdCompare(.key("k"), .version(holding ? stored.version : stored.version + 1), .equal)
                case .createRevision:
                    EtcdCompare(.key("k"), .createRevision(holding ? stored.createRevision : 1), .equal)
                case .modRevision:
                    EtcdCompare(.key("k"), .modRevision(holding ? stored.modRevision : stored.modRevision - 1), .equal)
                case .value: EtcdCompare(.key("k"), .value(holding ? "v1".bytes : "other".bytes), .equal)
                case .lease: EtcdCompare(.key("k"), .lease(holding ? lease.id : 0), .equal)
                }
            }

            let success = try await client.txn(
                compare: [guards(holding: true)],
                success: [.put(key: "branch", value: "then".bytes)],
                failure: [.put(key: "branch", value: "else".bytes)])
            #expect(success.succeeded)
            #expect(try await client.get("branch")?.valueString == "then")

            let failure = try await client.txn(
                compare: [guards(holding: false)],
                success: [.put(key: "branch", value: "then again".bytes)],
                failure: [.put(key: "branch", value: "else".bytes)])
            #expect(!failure.succeeded)
            #expect(try await client.get("branch")?.valueString == "else")
        }
    }

    @Test func operatorsGreaterLessNotEqual() async throws {
        try await withEtcdClient { _, client in
            try await client.put("n", value: "x")
            try await client.put("n", value: "y")  // version 2
            let holds = try await client.txn(
                compare: [
                    EtcdCompare(.key("n"), .version(1), .greater),
                    EtcdCompare(.key("n"), .version(3), .less),
                    EtcdCompare(.key("n"), .value("x".bytes), .notEqual),
                ],
                success: [])
            #expect(holds.succeeded)
            let fails = try await client.txn(
                compare: [EtcdCompare(.key("n"), .version(2), .greater)], success: [])
            #expect(!fails.succeeded)
        }
    }

    @Test func createIfAbsentWithCreateRevisionZero() async throws {
        try await withEtcdClient { _, client in
            let absent = EtcdCompare(.key("engine/leader"), .createRevision(0), .equal)
            let first = try await client.txn(
                compare: [absent], success: [.put(key: "engine/leader", value: "m1".bytes)],
                failure: [.range(.key("engine/leader"))])
            #expect(first.succeeded)
            let second = try await client.txn(
                compare: [absent], success: [.put(key: "engine/leader", value: "m2".bytes)],
                failure: [.range(.key("engine/leader"))])
            #expect(!second.succeeded)
            #expect(second.results.first?.range?.kvs.first?.valueString == "m1")
        }
    }

    @Test func branchResultsComeBackInOrder() async throws {
        try await withEtcdClient { _, client in
            try await client.put("a", value: "1")
            try await client.put("b", value: "2")
            // etcd refuses a put and a delete of the same key in one transaction.
            let result = try await client.txn(
                compare: [],
                success: [
                    .put(key: "a", value: "2".bytes, prevKV: true),
                    .range(.key("a")),
                    .delete(.key("b"), prevKV: true),
                ])
            #expect(result.succeeded)
            #expect(result.results.count == 3)
            #expect(result.results[0].put?.prevKV?.valueString == "1")
            #expect(result.results[1].range?.kvs.first?.valueString == "2")
            #expect(result.results[2].delete?.deleted == 1)
            #expect(result.results[2].delete?.prevKVs.first?.valueString == "2")
        }
    }

    @Test func compareOverARangeAppliesToEveryKey() async throws {
        try await withEtcdClient { _, client in
            try await client.put("r/a", value: "same")
            try await client.put("r/b", value: "same")
            let all = try await client.txn(compare: [EtcdCompare(.prefix("r/"), .value("same".bytes), .equal)], success: [])
            #expect(all.succeeded)
            try await client.put("r/c", value: "different")
            let notAll = try await client.txn(compare: [EtcdCompare(.prefix("r/"), .value("same".bytes), .equal)], success: [])
            #expect(!notAll.succeeded)
        }
    }

    @Test func writingAKeyTwiceIsRefusedByEtcd() async throws {
        try await withEtcdClient { _, client in
            let error = await #expect(throws: EtcdError.self) {
                try await client.txn(
                    compare: [], success: [.put(key: "dup", value: [1]), .put(key: "dup", value: [2])])
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("duplicate key") == true)
            let stored = try await client.get("dup")
            #expect(stored == nil)
        }
    }
}
