#if canImport(FoundationEssentials)
import FoundationEssentials  // Data, the protobuf bytes type
#else
import Foundation
#endif

/// How a range read selects and orders keys.
public struct EtcdRangeOptions: Sendable, Hashable {
    /// Order of the returned keys.
    public enum SortOrder: Sendable, Hashable {
        /// etcd's default: by key, ascending.
        case none
        case ascending
        case descending
    }

    /// Field the keys are sorted by.
    public enum SortTarget: Sendable, Hashable {
        case key, version, createRevision, modRevision, value
    }

    /// Most keys to return; 0 means no limit. ``EtcdRangeResult/more`` tells if keys were left out.
    public var limit: Int64 = 0
    /// Read the store as of this revision; 0 means the latest.
    public var revision: Int64 = 0
    /// Return keys and revisions without values.
    public var keysOnly = false
    /// Return only the number of keys.
    public var countOnly = false
    /// Sort order; `.none` keeps etcd's key order.
    public var sortOrder: SortOrder = .none
    /// Sort field, used when `sortOrder` is not `.none`.
    public var sortTarget: SortTarget = .key
    /// Serve from the contacted member without a quorum round (may be stale).
    public var serializable = false

    /// Creates options.
    /// - Parameters:
    ///   - limit: Most keys to return (0: no limit).
    ///   - revision: Revision to read at (0: latest).
    ///   - keysOnly: Omit values.
    ///   - countOnly: Return only the count.
    ///   - sortOrder: Sort order.
    ///   - sortTarget: Sort field.
    ///   - serializable: Allow a member-local, possibly stale read.
    public init(
        limit: Int64 = 0, revision: Int64 = 0, keysOnly: Bool = false, countOnly: Bool = false,
        sortOrder: SortOrder = .none, sortTarget: SortTarget = .key, serializable: Bool = false
    ) {
        self.limit = limit
        self.revision = revision
        self.keysOnly = keysOnly
        self.countOnly = countOnly
        self.sortOrder = sortOrder
        self.sortTarget = sortTarget
        self.serializable = serializable
    }
}

extension EtcdRangeOptions {
    func request(for range: EtcdKeyRange) -> Etcdserverpb_RangeRequest {
        var request = Etcdserverpb_RangeRequest()
        request.key = .init(range.key)
        request.rangeEnd = .init(range.rangeEnd)
        request.limit = limit
        request.revision = revision
        request.keysOnly = keysOnly
        request.countOnly = countOnly
        request.serializable = serializable
        switch sortOrder {
        case .none: request.sortOrder = .none
        case .ascending: request.sortOrder = .ascend
        case .descending: request.sortOrder = .descend
        }
        switch sortTarget {
        case .key: request.sortTarget = .key
        case .version: request.sortTarget = .version
        case .createRevision: request.sortTarget = .create
        case .modRevision: request.sortTarget = .mod
        case .value: request.sortTarget = .value
        }
        return request
    }
}
