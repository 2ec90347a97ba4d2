#if canImport(FoundationEssentials)
import FoundationEssentials  // Data, the protobuf bytes type
#else
import Foundation
#endif

/// A change to one key, as seen by a watch.
public struct EtcdEvent: Sendable, Hashable {
    /// What happened to the key.
    public enum Kind: Sendable, Hashable {
        case put, delete
    }

    /// What happened.
    public var kind: Kind
    /// The key after a put; for a delete, the key with `modRevision` set to the deletion's revision.
    public var kv: EtcdKeyValue
    /// The key before the change, when the watch asked for it and it existed.
    public var prevKV: EtcdKeyValue?

    init(_ proto: Mvccpb_Event) {
        kind = proto.type == .delete ? .delete : .put
        kv = EtcdKeyValue(proto.kv)
        prevKV = proto.hasPrevKv ? EtcdKeyValue(proto.prevKv) : nil
    }
}

/// What a watch delivers.
public enum EtcdWatchUpdate: Sendable, Hashable {
    /// Changes, in revision order; all of one revision arrive in the same batch.
    case events([EtcdEvent], revision: Int64)
    /// No changes up to `revision` (a progress notification).
    case progress(revision: Int64)
    /// The watch could not continue from `requestedRevision` because history up to
    /// `compactRevision` was compacted. The sequence ends after this: relist the keys, then
    /// watch again from the list's revision + 1.
    case compacted(compactRevision: Int64, requestedRevision: Int64)
}

/// Options of a watch.
public struct EtcdWatchOptions: Sendable, Hashable {
    /// First revision to deliver (inclusive); 0 means changes after the watch is created.
    public var startRevision: Int64 = 0
    /// Include each key's previous value in events.
    public var prevKV = false
    /// Ask etcd for periodic progress notifications when nothing changes (etcd's
    /// `--experimental-watch-progress-notify-interval`, 10 minutes by default).
    public var progressNotify = false

    /// Creates options.
    /// - Parameters:
    ///   - startRevision: First revision to deliver (0: from now).
    ///   - prevKV: Include previous values.
    ///   - progressNotify: Ask for progress notifications.
    public init(startRevision: Int64 = 0, prevKV: Bool = false, progressNotify: Bool = false) {
        self.startRevision = startRevision
        self.prevKV = prevKV
        self.progressNotify = progressNotify
    }
}

extension EtcdClient {
    /// Watches keys for changes.
    ///
    /// Iterating opens one stream (one pooled HTTP connection). When the stream breaks — an etcd
    /// restart, a lost connection — the watch reopens it, on the next endpoint if needed, from
    /// the last delivered revision + 1, so no event is lost or repeated. If that revision was
    /// compacted meanwhile, it delivers ``EtcdWatchUpdate/compacted(compactRevision:requestedRevision:)``
    /// and ends.
    ///
    /// Iteration ends when the task is cancelled; it throws ``EtcdError`` for failures that
    /// retrying cannot fix (authentication, permission).
    /// - Parameters:
    ///   - keys: One key, a prefix or a range.
    ///   - options: Start revision, previous values, progress notifications.
    /// - Returns: The sequence of updates.
    public func watch(_ keys: EtcdKeyRange, options: EtcdWatchOptions = .init()) -> EtcdWatch {
        EtcdWatch(client: self, keys: keys, options: options)
    }
}

/// The updates of a watch; see ``EtcdClient/watch(_:options:)``. Each iteration is its own
/// watch stream.
public struct EtcdWatch: AsyncSequence, Sendable {
    public typealias Element = EtcdWatchUpdate
    public typealias Failure = EtcdError

    let client: EtcdClient
    let keys: EtcdKeyRange
    let options: EtcdWatchOptions

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(client: client, keys: keys, options: options, nextRevision: options.startRevision)
    }

    /// Reads the watch stream, reopening it when it breaks. Use it from one task.
    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = EtcdWatchUpdate
        public typealias Failure = EtcdError

        let client: EtcdClient
        let keys: EtcdKeyRange
        let options: EtcdWatchOptions
        /// The revision to resume from; 0 until the first stream is created without a start.
        var nextRevision: Int64
        var stream: (any EtcdWatchStream)?
        var token: String?
        var backoff = Duration.milliseconds(50)
        var finished = false

        static let maxBackoff = Duration.seconds(2)

        public mutating func next() async throws(EtcdError) -> EtcdWatchUpdate? {
            while !finished {
                if Task.isCancelled { return finish() }
                guard let stream = self.stream else {
                    do {
                        (self.stream, token) = try await client.openWatch(createRequest())
                    } catch {
                        if error.code == .cancelled { return finish() }
                        guard Self.isTransient(error) else { return try fail(error) }
                        guard await pause() else { return finish() }
                    }
                    continue
                }
                let response: Etcdserverpb_WatchResponse?
                do {
                    response = try await stream.next()
                } catch {
                    if error.code == .cancelled { return finish() }
                    guard Self.isTransient(error) else { return try fail(error) }
                    self.stream = nil
                    guard await pause() else { return finish() }
                    continue
                }
                guard let response else {
                    // etcd closed the stream (stopping, or the gateway's connection to it broke).
                    self.stream = nil
                    guard await pause() else { return finish() }
                    continue
                }
                if let update = try await handle(response) { return update }
                if self.stream == nil, !finished {
                    // etcd cancelled the watch over a stale token: reopen, but not in a tight loop.
                    guard await pause() else { return finish() }
                }
            }
            return nil
        }

        /// Turns one response into an update, or `nil` for bookkeeping-only responses.
        private mutating func handle(_ response: Etcdserverpb_WatchResponse) async throws(EtcdError) -> EtcdWatchUpdate? {
            if response.compactRevision > 0 {
                finished = true
                stream = nil
                return .compacted(compactRevision: response.compactRevision, requestedRevision: nextRevision)
            }
            if response.canceled {
                let error = EtcdError.watchCancelled(reason: response.cancelReason, endpoint: stream?.endpoint)
                stream = nil
                if error.code == .invalidAuthToken {
                    // The token expired; reopen with a fresh one.
                    await client.invalidateToken(token)
                    return nil
                }
                return try fail(error)
            }
            if response.created {
                backoff = .milliseconds(50)
                // Without a start revision, etcd delivers changes after the header's revision.
                if nextRevision == 0 { nextRevision = response.header.revision + 1 }
                if response.events.isEmpty { return nil }
            }
            if let last = response.events.last {
                nextRevision = last.kv.modRevision + 1
                return .events(response.events.map(EtcdEvent.init), revision: last.kv.modRevision)
            }
            // A progress notification: nothing changed up to the header's revision.
            nextRevision = Swift.max(nextRevision, response.header.revision + 1)
            return .progress(revision: response.header.revision)
        }

        private func createRequest() -> Etcdserverpb_WatchRequest {
            var create = Etcdserverpb_WatchCreateRequest()
            create.key = .init(keys.key)
            create.rangeEnd = .init(keys.rangeEnd)
            create.startRevision = nextRevision
            create.prevKv = options.prevKV
            create.progressNotify = options.progressNotify
            var request = Etcdserverpb_WatchRequest()
            request.createRequest = create
            return request
        }

        /// Waits before reopening the stream, doubling the wait each time (up to 2 s).
        /// - Returns: `false` when the task was cancelled meanwhile.
        private mutating func pause() async -> Bool {
            do {
                try await Task.sleep(for: backoff)
            } catch {
                return false
            }
            backoff = Swift.min(backoff * 2, Self.maxBackoff)
            return true
        }

        private mutating func finish() -> EtcdWatchUpdate? {
            finished = true
            stream = nil
            return nil
        }

        private mutating func fail(_ error: EtcdError) throws(EtcdError) -> EtcdWatchUpdate? {
            finished = true
            stream = nil
            throw error
        }

        /// Failures that reopening the stream later can fix.
        static func isTransient(_ error: EtcdError) -> Bool {
            switch error.code {
            case .unavailable, .timeout, .invalidAuthToken: true
            default: false
            }
        }
    }
}
