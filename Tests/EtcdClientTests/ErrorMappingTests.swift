import FleetTesting
import NIOCore
import NIOHTTP1
import Testing
@testable import EtcdClient

@Suite("Mapping etcd's errors")
struct ErrorMappingTests {
    @Test(arguments: [
        (11, "etcdserver: mvcc: required revision has been compacted", EtcdError.Code.compacted),
        (11, "etcdserver: mvcc: required revision is a future revision", .futureRevision),
        (5, "etcdserver: requested lease not found", .leaseNotFound),
        (3, "etcdserver: authentication failed, invalid user ID or password", .authFailed),
        (3, "etcdserver: user name is empty", .authFailed),
        (16, "etcdserver: invalid auth token", .invalidAuthToken),
        (3, "etcdserver: revision of auth store is old", .invalidAuthToken),
        (7, "etcdserver: permission denied", .permissionDenied),
        (3, "etcdserver: request is too large", .requestTooLarge),
        (14, "etcdserver: no leader", .unavailable),
        // Cancelled by etcd (shutting down), not by us: retried like an unreachable etcd.
        (1, "context canceled", .unavailable),
        (3, "etcdserver: duplicate key given in txn request", .invalidArgument),
        (13, "something new", .server),
    ])
    func serverMessagesMapToCodes(grpcCode: Int, message: String, expected: EtcdError.Code) {
        let error = EtcdError.server(grpcCode: grpcCode, message: message, operation: "put", endpoint: "http://e:1")
        #expect(error.code == expected)
        #expect(error.grpcCode == grpcCode)
        #expect(error.description.contains("http://e:1"))
        #expect(error.description.contains(message))
    }

    @Test func watchCancelReasonsCarryTheirGRPCCode() {
        let error = EtcdError.watchCancelled(
            reason: "rpc error: code = PermissionDenied desc = etcdserver: permission denied", endpoint: nil)
        #expect(error.code == .permissionDenied)
        #expect(error.grpcCode == 7)
        #expect(EtcdError.watchCancelled(reason: "", endpoint: nil).code == .server)
        #expect(EtcdError.watchCancelled(reason: "rpc error: code = Canceled desc = context canceled", endpoint: nil).code == .unavailable)
    }

    @Test func theGatewaysErrorBodyIsDecoded() {
        let body = #"{"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5}"#
        let error = GatewayTransport.gatewayError(
            status: .notFound, body: Array(body.utf8), operation: "put", endpoint: "http://e:1")
        #expect(error.code == .leaseNotFound)
        #expect(error.endpoint == "http://e:1")
    }

    @Test func lineBufferSplitsChunksIntoLines() {
        var lines = LineBuffer()
        lines.append(ByteBuffer(string: "{\"a\":1}\n{\"b\""))
        #expect(lines.nextLine() == Array("{\"a\":1}".utf8))
        #expect(lines.nextLine() == nil)
        lines.append(ByteBuffer(string: ":2}\n\n"))
        #expect(lines.nextLine() == Array("{\"b\":2}".utf8))
        #expect(lines.nextLine() == [])
        #expect(lines.nextLine() == nil)
        #expect(lines.rest() == nil)
        lines.append(ByteBuffer(string: "cut"))
        #expect(lines.nextLine() == nil)
        #expect(lines.rest() == Array("cut".utf8))
    }
}
