import AsyncHTTPClient
import Foundation
import NIOCore

/// etcd's own request and write counters, read from its `/metrics` (Prometheus text).
struct EtcdCounters: Sendable {
    /// Keys written (`etcd_mvcc_put_total`; puts inside transactions count one each).
    var puts = 0.0
    /// Keys deleted (`etcd_mvcc_delete_total`).
    var deletes = 0.0
    /// Transactions (`etcd_mvcc_txn_total`).
    var txns = 0.0
    /// Range reads (`etcd_mvcc_range_total`, including those inside transactions).
    var ranges = 0.0
    /// gRPC calls started, by method (`grpc_server_started_total`): what clients asked of etcd
    /// through the gateway (Range, Txn, Put, LeaseKeepAlive, Watch…).
    var calls: [String: Double] = [:]

    /// Client requests of every kind.
    var requests: Double { calls.values.reduce(0, +) }
    /// Requests that can write: Put, Txn, DeleteRange, LeaseGrant, LeaseRevoke.
    var writeRequests: Double {
        ["Put", "Txn", "DeleteRange", "LeaseGrant", "LeaseRevoke"].reduce(0) { $0 + (calls[$1] ?? 0) }
    }

    /// Reads the counters from `url` (etcd's client URL + `/metrics`).
    static func read(_ url: String) async throws -> EtcdCounters {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 32 << 20)
        return parse(String(buffer: body))
    }

    static func parse(_ text: String) -> EtcdCounters {
        var counters = EtcdCounters()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let name = series.prefix { $0 != "{" }
            switch name {
            case "etcd_mvcc_put_total": counters.puts = value
            case "etcd_mvcc_delete_total": counters.deletes = value
            case "etcd_mvcc_txn_total": counters.txns = value
            case "etcd_mvcc_range_total": counters.ranges = value
            case "grpc_server_started_total":
                guard let method = label("grpc_method", in: series) else { continue }
                counters.calls[method, default: 0] += value
            default: continue
            }
        }
        return counters
    }

    private static func label(_ name: String, in series: Substring) -> String? {
        guard let start = series.range(of: name + "=\"") else { return nil }
        let rest = series[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// The change from `earlier` to `self`.
    func minus(_ earlier: EtcdCounters) -> EtcdCounters {
        var delta = EtcdCounters(puts: puts - earlier.puts, deletes: deletes - earlier.deletes, txns: txns - earlier.txns,
                                 ranges: ranges - earlier.ranges)
        for (method, value) in calls {
            let change = value - (earlier.calls[method] ?? 0)
            if change != 0 { delta.calls[method] = change }
        }
        return delta
    }
}
