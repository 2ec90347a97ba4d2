#if canImport(Glibc)
import Glibc
#endif
import Testing
import SystemdBridge

/// These tests set process-wide environment variables, so they run one at a time.
@Suite(.serialized) struct SystemdNotifyTests {
    @Test func sendingWithoutANotifySocketReportsFalse() throws {
        unsetenv("NOTIFY_SOCKET")
        #expect(try SystemdNotify.send([.ready]) == false)
    }

    @Test func sendingReachesTheNotifySocketAsOneDatagram() throws {
        let path = "/tmp/fleet-notify-test-\(getpid()).sock"
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd); unlink(path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        setenv("NOTIFY_SOCKET", path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }

        #expect(try SystemdNotify.send([.ready, .status("up\nand running"), .watchdog, .stopping]))
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(count > 0)
        let message = String(decoding: buffer[..<max(count, 0)], as: UTF8.self)
        #expect(message == "READY=1\nSTATUS=up and running\nWATCHDOG=1\nSTOPPING=1")
    }

    @Test func watchdogIntervalComesFromTheEnvironment() throws {
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        #expect(try SystemdNotify.watchdogInterval() == nil)
        setenv("WATCHDOG_USEC", "2500000", 1)
        setenv("WATCHDOG_PID", "\(getpid())", 1)
        defer { unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }
        #expect(try SystemdNotify.watchdogInterval() == .milliseconds(2_500))
        setenv("WATCHDOG_PID", "\(getpid() + 1)", 1)
        #expect(try SystemdNotify.watchdogInterval() == nil, "another process's watchdog")
        setenv("WATCHDOG_PID", "\(getpid())", 1)
        setenv("WATCHDOG_USEC", "soon", 1)
        #expect(throws: SystemdError.self) { try SystemdNotify.watchdogInterval() }
    }

    @Test func listenDescriptorsComeWithTheirNames() throws {
        unsetenv("LISTEN_PID")
        #expect(try SystemdNotify.listenDescriptors(unsetEnvironment: false).isEmpty)
        // Passed sockets start at fd 3: make sure 3 and 4 exist (borrowing a pipe where free).
        var pipeFDs: [Int32] = [0, 0]
        #expect(pipe(&pipeFDs) == 0)
        var borrowed: [Int32] = []
        for fd: Int32 in [3, 4] where fcntl(fd, F_GETFD) == -1 {
            #expect(dup2(pipeFDs[0], fd) == fd)
            borrowed.append(fd)
        }
        defer { (borrowed + pipeFDs).forEach { close($0) } }
        setenv("LISTEN_PID", "\(getpid())", 1)
        setenv("LISTEN_FDS", "2", 1)
        setenv("LISTEN_FDNAMES", "api:metrics", 1)
        let descriptors = try SystemdNotify.listenDescriptors(unsetEnvironment: true)
        #expect(descriptors == [.init(fd: 3, name: "api"), .init(fd: 4, name: "metrics")])
        #expect(getenv("LISTEN_FDS") == nil, "the environment is cleared for children")
    }
}
