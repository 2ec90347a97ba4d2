extension EtcdError {
    /// Classifies an error etcd reported (gRPC status code plus etcd's message). The messages are
    /// etcd's `rpctypes` errors, stable since etcd 3.0; the code decides when the message is new.
    static func server(grpcCode: Int, message: String, operation: String, endpoint: String?) -> EtcdError {
        let code: Code
        switch message {
        case let m where m.contains("required revision has been compacted"): code = .compacted
        case let m where m.contains("required revision is a future revision"): code = .futureRevision
        case let m where m.contains("requested lease not found"): code = .leaseNotFound
        case let m where m.contains("authentication failed"): code = .authFailed
        // etcd says this when auth is on and the request carried no token.
        case let m where m.contains("user name is empty"): code = .authFailed
        case let m where m.contains("invalid auth token"): code = .invalidAuthToken
        // The token predates an auth change; a fresh token fixes it, as for an expired one.
        case let m where m.contains("revision of auth store is old"): code = .invalidAuthToken
        case let m where m.contains("permission denied"): code = .permissionDenied
        case let m where m.contains("request is too large"): code = .requestTooLarge
        default:
            switch grpcCode {
            // etcd (or its gateway) cancelled the call: it is shutting down or lost its leader.
            // Not our task's cancellation (`.cancelled`, decided locally): a call to retry.
            case 1: code = .unavailable
            case 3, 9: code = .invalidArgument
            case 4: code = .timeout
            case 7: code = .permissionDenied
            case 8: code = .requestTooLarge
            case 14: code = .unavailable
            case 16: code = .invalidAuthToken
            default: code = .server
            }
        }
        return EtcdError(code, operation: operation, endpoint: endpoint, message: message, grpcCode: grpcCode)
    }

    /// Classifies the `cancel_reason` of a watch etcd cancelled, such as
    /// `rpc error: code = PermissionDenied desc = etcdserver: permission denied`.
    static func watchCancelled(reason: String, endpoint: String?) -> EtcdError {
        let names: [(String, Int)] = [
            ("Canceled", 1), ("InvalidArgument", 3), ("DeadlineExceeded", 4), ("NotFound", 5),
            ("PermissionDenied", 7), ("ResourceExhausted", 8), ("FailedPrecondition", 9),
            ("OutOfRange", 11), ("Unavailable", 14), ("Unauthenticated", 16),
        ]
        var grpcCode = 2  // Unknown
        if let range = reason.firstRange(of: "code = ") {
            let name = reason[range.upperBound...].prefix { $0.isLetter }
            grpcCode = names.first { $0.0 == name }?.1 ?? 2
        }
        let message = reason.isEmpty ? "etcd cancelled the watch without a reason" : reason
        return .server(grpcCode: grpcCode, message: message, operation: "watch", endpoint: endpoint)
    }
}
