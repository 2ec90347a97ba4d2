import FleetTesting
import Testing
@testable import EtcdClient

/// Turns on etcd auth with a `root` user and a `fleet` user allowed only under `fleet/`.
func enableAuth(_ etcd: EtcdProcess) async throws {
    try await etcd.etcdctl(["user", "add", "root:rootpw"])
    try await etcd.etcdctl(["user", "grant-role", "root", "root"])
    try await etcd.etcdctl(["user", "add", "fleet:fleetpw"])
    try await etcd.etcdctl(["role", "add", "fleet"])
    try await etcd.etcdctl(["role", "grant-permission", "fleet", "--prefix=true", "readwrite", "fleet/"])
    try await etcd.etcdctl(["user", "grant-role", "fleet", "fleet"])
    try await etcd.etcdctl(["auth", "enable"])
}

@Suite("Authentication against a real etcd")
struct AuthTests {
    @Test func authenticatedRequestsWorkWithinThePermittedPrefix() async throws {
        try await EtcdProcess.with { etcd in
            try await enableAuth(etcd)
            try await withClient([etcd.clientURL], configure: {
                $0.credentials = .init(username: "fleet", password: "fleetpw")
            }) { client in
                try await client.put("fleet/units/a", value: "x")
                #expect(try await client.get("fleet/units/a")?.valueString == "x")
                let lease = try await client.grantLease(ttl: 10)
                try await client.put("fleet/machines/m", value: "up", lease: lease.id)

                let denied = await #expect(throws: EtcdError.self) { try await client.put("elsewhere", value: "x") }
                #expect(denied?.code == .permissionDenied)
            }
        }
    }

    @Test func aWrongPasswordIsAuthFailed() async throws {
        try await EtcdProcess.with { etcd in
            try await enableAuth(etcd)
            try await withClient([etcd.clientURL], configure: {
                $0.credentials = .init(username: "fleet", password: "wrong")
            }) { client in
                let error = await #expect(throws: EtcdError.self) { try await client.get("fleet/x") }
                #expect(error?.code == .authFailed)
                #expect(error?.description.contains("fleet") == true)
                #expect(error?.endpoint == etcd.clientURL)
            }
        }
    }

    @Test func noCredentialsAgainstAnAuthEnabledEtcdIsAuthFailed() async throws {
        try await EtcdProcess.with { etcd in
            try await enableAuth(etcd)
            try await withClient([etcd.clientURL]) { client in
                let error = await #expect(throws: EtcdError.self) { try await client.get("fleet/x") }
                #expect(error?.code == .authFailed)
            }
        }
    }

    @Test func anExpiredTokenIsRefreshedTransparently() async throws {
        // Simple tokens expire after --auth-token-ttl seconds without use.
        try await EtcdProcess.with(.init(extraArguments: ["--auth-token-ttl=1"])) { etcd in
            try await enableAuth(etcd)
            try await withClient([etcd.clientURL], configure: {
                $0.credentials = .init(username: "fleet", password: "fleetpw")
            }) { client in
                try await client.put("fleet/a", value: "1")
                let before = try await client.currentToken()
                try await Task.sleep(for: .milliseconds(2500))
                try await client.put("fleet/a", value: "2")
                let after = try await client.currentToken()
                #expect(before != after)
                #expect(try await client.get("fleet/a")?.valueString == "2")
            }
        }
    }

    @Test func aWatchOpenedWithAnExpiredTokenReauthenticates() async throws {
        try await EtcdProcess.with(.init(extraArguments: ["--auth-token-ttl=1"])) { etcd in
            try await enableAuth(etcd)
            try await withClient([etcd.clientURL], configure: {
                $0.credentials = .init(username: "fleet", password: "fleetpw")
            }) { client in
                let start = try await client.put("fleet/w", value: "0").revision + 1
                let stale = try await client.currentToken()
                try await Task.sleep(for: .milliseconds(2500))  // the cached token expires
                let (log, task) = record(client.watch(.prefix("fleet/"), options: .init(startRevision: start)))
                defer { task.cancel() }
                #expect(try await eventually(within: .seconds(10)) { try await client.currentToken() != stale })
                try await client.put("fleet/w", value: "1")
                #expect(await eventually(within: .seconds(10)) { await log.events.count == 1 })
                #expect(await log.error == nil)
            }
        }
    }

    @Test func watchesCarryTheToken() async throws {
        try await EtcdProcess.with { etcd in
            try await enableAuth(etcd)
            try await withClient([etcd.clientURL], configure: {
                $0.credentials = .init(username: "fleet", password: "fleetpw")
            }) { client in
                let start = try await client.put("fleet/w", value: "0").revision + 1
                let (log, task) = record(client.watch(.prefix("fleet/"), options: .init(startRevision: start)))
                defer { task.cancel() }
                try await client.put("fleet/w", value: "1")
                #expect(await eventually(within: .seconds(10)) { await log.events.count == 1 })
                #expect(await log.error == nil)
            }
        }
    }

    @Test func aWatchOutsideThePermittedPrefixFailsWithPermissionDenied() async throws {
        try await EtcdProcess.with { etcd in
            try await enableAuth(etcd)
            try await withClient([etcd.clientURL], configure: {
                $0.credentials = .init(username: "fleet", password: "fleetpw")
            }) { client in
                let (log, task) = record(client.watch(.prefix("secret/")))
                defer { task.cancel() }
                #expect(await eventually(within: .seconds(10)) { await log.finished })
                #expect(await log.error?.code == .permissionDenied)
            }
        }
    }
}
