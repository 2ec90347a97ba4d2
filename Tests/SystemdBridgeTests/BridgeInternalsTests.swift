#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SystemdBridge

/// An actor pinned to a `ThreadExecutor`, reporting which thread each call ran on.
private actor Pinned {
    let executor = ThreadExecutor()
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    func thread() -> pthread_t { pthread_self() }
    func onExecutorThread() -> Bool { executor.isCurrent }
}

@Suite struct BridgeInternalsTests {
    @Test func anActorOnAThreadExecutorRunsEveryCallOnOneThread() async {
        let pinned = Pinned()
        let first = await pinned.thread()
        let all = await withTaskGroup(of: pthread_t.self) { group in
            for _ in 0..<50 { group.addTask { await pinned.thread() } }
            return await group.reduce(into: [pthread_t]()) { $0.append($1) }
        }
        #expect(all.allSatisfy { pthread_equal($0, first) != 0 })
        #expect(pthread_equal(first, pthread_self()) == 0)
        #expect(await pinned.onExecutorThread())
    }

    @Test func unitNamesAndObjectPathsRoundTrip() throws {
        let path = try BusHandle.unitPath(forName: "web@1.service")
        #expect(path == "/org/freedesktop/systemd1/unit/web_401_2eservice")
        #expect(BusHandle.unitName(fromPath: path) == "web@1.service")
        #expect(BusHandle.unitName(fromPath: "/org/freedesktop/systemd1/job/5") == nil)
    }

    @Test func errorsAreClassifiedByDBusNameThenErrno() {
        #expect(SystemdError(operation: "GetUnit", errno: 2, busErrorName: "org.freedesktop.systemd1.NoSuchUnit").code == .noSuchUnit)
        #expect(SystemdError(operation: "StartUnit", errno: 1, busErrorName: "org.freedesktop.systemd1.UnitMasked").code == .unitMasked)
        #expect(SystemdError(operation: "sd_bus_call", errno: 104).code == .disconnected)
        #expect(SystemdError(operation: "sd_bus_call", errno: 110).code == .timedOut)
        #expect(SystemdError(operation: "sd_bus_call", errno: 5).code == .other)
        let error = SystemdError(operation: "StartUnit", errno: 2, busErrorName: "org.freedesktop.systemd1.NoSuchUnit",
                                 busErrorMessage: "Unit x.service not found.", unit: "x.service")
        #expect(error.description == "StartUnit x.service failed: noSuchUnit (errno 2, org.freedesktop.systemd1.NoSuchUnit): Unit x.service not found.")
    }

    @Test func typeInterfacesFollowTheUnitSuffix() {
        #expect(SystemdConnection.typeInterface(of: "a.service") == "org.freedesktop.systemd1.Service")
        #expect(SystemdConnection.typeInterface(of: "a.automount") == "org.freedesktop.systemd1.Automount")
        #expect(SystemdConnection.typeInterface(of: "a.target") == nil)
    }

    @Test func connectingToAMissingSocketThrows() async {
        await #expect {
            _ = try await SystemdConnection.connect(.privateSocket(path: "/nonexistent/fleet-test.sock"))
        } throws: { error in
            guard let error = error as? SystemdError else { return false }
            return error.errno == ENOENT
        }
    }
}
