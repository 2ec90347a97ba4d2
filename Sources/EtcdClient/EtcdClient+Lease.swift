/// A lease granted by etcd: keys attached to it are deleted when it expires or is revoked.
public struct EtcdLease: Sendable, Hashable {
    /// The lease ID, used as `lease:` on puts.
    public var id: Int64
    /// The time-to-live etcd granted, in seconds.
    public var ttl: Int64

    /// Creates a lease value.
    /// - Parameters:
    ///   - id: The lease ID.
    ///   - ttl: The granted time-to-live in seconds.
    public init(id: Int64, ttl: Int64) {
        self.id = id
        self.ttl = ttl
    }
}

/// What etcd knows about a lease.
public struct EtcdLeaseStatus: Sendable, Hashable {
    /// The lease ID.
    public var id: Int64
    /// Seconds left before it expires.
    public var remainingTTL: Int64
    /// The time-to-live granted at creation or last renewal.
    public var grantedTTL: Int64
    /// Keys attached to the lease, if they were asked for.
    public var keys: [String]
}

/// Why a keep-alive loop stopped keeping its lease.
public enum EtcdLeaseLoss: Sendable {
    /// etcd no longer knows the lease (it expired or was revoked).
    case notFound
    /// Renewals kept failing until the lease's time-to-live ran out; `lastError` is the last
    /// failure. etcd has most likely expired the lease.
    case expired(lastError: EtcdError)
}

extension EtcdClient {
    /// Grants a lease.
    /// - Parameters:
    ///   - ttl: Time-to-live in seconds (etcd raises values under its minimum).
    ///   - id: A chosen lease ID, or 0 to let etcd choose.
    /// - Returns: The lease, with the TTL etcd granted.
    /// - Throws: ``EtcdError``.
    public func grantLease(ttl: Int64, id: Int64 = 0) async throws(EtcdError) -> EtcdLease {
        var request = Etcdserverpb_LeaseGrantRequest()
        request.ttl = ttl
        request.id = id
        let response = try await call(.leaseGrant, request, as: Etcdserverpb_LeaseGrantResponse.self)
        if !response.error.isEmpty {
            throw EtcdError(.server, operation: "lease grant", message: response.error)
        }
        return EtcdLease(id: response.id, ttl: response.ttl)
    }

    /// Revokes a lease: its keys are deleted at once.
    /// - Parameter id: The lease ID.
    /// - Throws: ``EtcdError`` (`leaseNotFound` when etcd does not know it).
    public func revokeLease(_ id: Int64) async throws(EtcdError) {
        var request = Etcdserverpb_LeaseRevokeRequest()
        request.id = id
        _ = try await call(.leaseRevoke, request, as: Etcdserverpb_LeaseRevokeResponse.self)
    }

    /// Renews a lease once.
    /// - Parameter id: The lease ID.
    /// - Returns: The lease's renewed time-to-live in seconds.
    /// - Throws: ``EtcdError`` (`leaseNotFound` when the lease expired or was revoked).
    public func keepAliveOnce(_ id: Int64) async throws(EtcdError) -> Int64 {
        var request = Etcdserverpb_LeaseKeepAliveRequest()
        request.id = id
        let response = try await call(.leaseKeepAlive, request, as: Etcdserverpb_LeaseKeepAliveResponse.self)
        // etcd answers an unknown lease with TTL 0 rather than an error.
        guard response.ttl > 0 else {
            throw EtcdError(.leaseNotFound, operation: "lease keepalive", message: "lease \(id) expired or was revoked")
        }
        return response.ttl
    }

    /// Reads a lease's remaining time-to-live.
    /// - Parameters:
    ///   - id: The lease ID.
    ///   - keys: Also list the keys attached to it.
    /// - Returns: The lease's status, or `nil` when etcd does not know the lease.
    /// - Throws: ``EtcdError``.
    public func leaseTimeToLive(_ id: Int64, keys: Bool = false) async throws(EtcdError) -> EtcdLeaseStatus? {
        var request = Etcdserverpb_LeaseTimeToLiveRequest()
        request.id = id
        request.keys = keys
        let response = try await call(.leaseTimeToLive, request, as: Etcdserverpb_LeaseTimeToLiveResponse.self)
        // etcd reports an unknown lease as TTL -1.
        guard response.ttl >= 0 else { return nil }
        return EtcdLeaseStatus(
            id: response.id, remainingTTL: response.ttl, grantedTTL: response.grantedTtl,
            keys: response.keys.map { String(decoding: $0, as: UTF8.self) })
    }

    /// Keeps a lease alive: renews it every third of its TTL until the calling task is cancelled
    /// or the lease is lost. Failed renewals are retried (every `ttl/10`, at least 100 ms) until
    /// the TTL since the last successful renewal has run out.
    ///
    /// Run it in its own task; cancel the task to stop renewing (the lease then expires on its
    /// own unless revoked).
    /// - Parameters:
    ///   - lease: The lease, as granted (its TTL sets the renewal period).
    ///   - onRenewal: Called after each successful renewal with the renewed TTL in seconds.
    /// - Returns: Why the lease was lost, or `nil` when the task was cancelled.
    public func keepAlive(
        _ lease: EtcdLease,
        onRenewal: (@Sendable (Int64) -> Void)? = nil
    ) async -> EtcdLeaseLoss? {
        let clock = ContinuousClock()
        var ttl = Duration.seconds(max(lease.ttl, 1))
        var expiry = clock.now + ttl
        var delay = Duration.zero
        while true {
            do {
                try await Task.sleep(for: delay)
            } catch {
                return nil
            }
            do {
                let renewed = try await keepAliveOnce(lease.id)
                ttl = .seconds(renewed)
                expiry = clock.now + ttl
                onRenewal?(renewed)
                delay = ttl / 3
            } catch {
                switch error.code {
                case .leaseNotFound: return .notFound
                case .cancelled: return nil
                default:
                    if Task.isCancelled { return nil }
                    let left = expiry - clock.now
                    if left <= .zero { return .expired(lastError: error) }
                    delay = min(max(ttl / 10, .milliseconds(100)), left)
                }
            }
        }
    }
}
