internal import CSystemd
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Owns an `sd_bus` and its signal match, and drives its I/O on the connection's thread.
///
/// Every method runs on the `ThreadExecutor` thread: actor methods of `SystemdConnection`, and
/// the executor's `pump()` between jobs.
final class BusHandle: ThreadPump {
    typealias Listener = AsyncThrowingStream<SystemdEvent, any Error>.Continuation

    private(set) var bus: OpaquePointer?
    private var matchSlot: OpaquePointer?
    private var listeners: [Listener] = []
    /// Set once the connection broke; every later call throws it.
    private(set) var failure: SystemdError?

    static let destination = "org.freedesktop.systemd1"
    static let managerPath = "/org/freedesktop/systemd1"
    static let managerInterface = "org.freedesktop.systemd1.Manager"
    static let unitPathPrefix = "/org/freedesktop/systemd1/unit"

    func open(_ address: SystemdConnection.Address) throws(SystemdError) {
        var raw: OpaquePointer? = nil
        switch address.resolved {
        case .systemBus:
            try sdCheck("sd_bus_open_system") { sd_bus_open_system(&raw) }
        case .userBus:
            try sdCheck("sd_bus_open_user") { sd_bus_open_user(&raw) }
        case .privateSocket(let path):
            try sdCheck("sd_bus_new") { sd_bus_new(&raw) }
            do {
                try sdCheck("sd_bus_set_address") { sd_bus_set_address(raw, "unix:path=" + path) }
                try sdCheck("sd_bus_start") { sd_bus_start(raw) }
            } catch {
                sd_bus_unref(raw)
                throw error
            }
        case .automatic:
            preconditionFailure("resolved address is never automatic")
        }
        bus = raw
    }

    /// Calls a method on systemd and decodes its reply inside the call.
    /// - Throws: `SystemdError` with the D-Bus error name and message when systemd refuses.
    func call<T>(
        _ member: String,
        path: String = BusHandle.managerPath,
        interface: String = BusHandle.managerInterface,
        unit: String? = nil,
        build: (inout BusMessage) throws(SystemdError) -> Void = { _ throws(SystemdError) in },
        decode: (inout BusMessage) throws(SystemdError) -> T
    ) throws(SystemdError) -> T {
        let bus = try requireOpen(member)
        var raw: OpaquePointer? = nil
        try sdCheck("sd_bus_message_new_method_call", unit: unit) {
            sd_bus_message_new_method_call(bus, &raw, Self.destination, path, interface, member)
        }
        var message = BusMessage(consuming: raw!)
        try build(&message)

        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer? = nil
        let result = sd_bus_call(bus, message.raw, 0, &error, &reply)
        guard result >= 0, let reply else {
            // Copy the name and message out before the defer frees them.
            throw SystemdError(
                operation: member,
                errno: result < 0 ? -result : 74,
                busErrorName: error.name.map { String(cString: $0) },
                busErrorMessage: error.message.map { String(cString: $0) },
                unit: unit)
        }
        var answer = BusMessage(consuming: reply)
        return try decode(&answer)
    }

    /// Adds a listener for manager signals, installing the match on first use.
    func addListener(_ listener: Listener) throws(SystemdError) {
        let bus = try requireOpen("events")
        if matchSlot == nil {
            var slot: OpaquePointer? = nil
            let userdata = Unmanaged.passUnretained(self).toOpaque()
            // One match for every signal under systemd's object tree; the decoder picks.
            try sdCheck("sd_bus_add_match") {
                sd_bus_add_match(bus, &slot, "type='signal',path_namespace='/org/freedesktop/systemd1'", { message, userdata, _ in
                    guard let message, let userdata else { return 0 }
                    let handle = Unmanaged<BusHandle>.fromOpaque(userdata).takeUnretainedValue()
                    handle.dispatch(BusMessage(borrowing: message))
                    return 0
                }, userdata)
            }
            matchSlot = slot
        }
        listeners.append(listener)
    }

    /// Closes the bus and ends every listener's stream normally.
    func close() {
        if let matchSlot { sd_bus_slot_unref(matchSlot) }
        matchSlot = nil
        if let bus { sd_bus_flush_close_unref(bus) }
        bus = nil
        for listener in listeners { listener.finish() }
        listeners = []
        if failure == nil { failure = SystemdError(operation: "sd_bus", errno: 107, code: .closed) }  // ENOTCONN
    }

    private func requireOpen(_ operation: String) throws(SystemdError) -> OpaquePointer {
        if let failure { throw SystemdError(operation: operation, errno: failure.errno, code: failure.code) }
        guard let bus else { throw SystemdError(operation: operation, errno: 107, code: .closed) }
        return bus
    }

    // MARK: ThreadPump

    func pollRequest() -> PollRequest? {
        guard let bus, failure == nil else { return nil }
        let fd = sd_bus_get_fd(bus)
        let events = sd_bus_get_events(bus)
        guard fd >= 0, events >= 0 else { return nil }
        var deadline: UInt64 = 0
        let hasTimeout = sd_bus_get_timeout(bus, &deadline) > 0 && deadline != UInt64.max
        return PollRequest(fd: fd, events: Int16(events), deadlineMicroseconds: hasTimeout ? deadline : nil)
    }

    func pump() {
        guard let bus, failure == nil else { return }
        while true {
            let result = sd_bus_process(bus, nil)
            if result < 0 { return fail(errno: -result) }
            if result == 0 { break }
        }
        if sd_bus_is_open(bus) <= 0 { fail(errno: 104) }  // ECONNRESET
    }

    private func fail(errno: Int32) {
        let error = SystemdError(
            operation: "sd_bus_process", errno: errno,
            busErrorMessage: "connection to systemd lost", code: .disconnected)
        failure = error
        for listener in listeners { listener.finish(throwing: error) }
        listeners = []
    }

    // MARK: signals

    private func dispatch(_ message: consuming BusMessage) {
        guard let event = try? Self.decode(&message) else { return }
        listeners.removeAll { listener in
            if case .terminated = listener.yield(event) { return true }
            return false
        }
    }

    private static func decode(_ message: inout BusMessage) throws(SystemdError) -> SystemdEvent? {
        switch (message.interface, message.member) {
        case ("org.freedesktop.DBus.Properties", "PropertiesChanged"):
            guard let path = message.path, let unit = unitName(fromPath: path) else { return nil }
            let interface = try message.requireString()
            let properties = try message.readProperties()
            let invalidated = try message.readStrings()
            return .unitPropertiesChanged(unit: unit, interface: interface, properties: properties, invalidated: invalidated)
        case (managerInterface, "JobNew"):
            let id = try message.requireUInt32()
            let job = try message.requireString(SD_BUS_TYPE_OBJECT_PATH)
            return .jobNew(id: id, job: job, unit: try message.requireString())
        case (managerInterface, "JobRemoved"):
            let id = try message.requireUInt32()
            let job = try message.requireString(SD_BUS_TYPE_OBJECT_PATH)
            let unit = try message.requireString()
            return .jobRemoved(id: id, job: job, unit: unit, result: try message.requireString())
        case (managerInterface, "UnitNew"):
            let unit = try message.requireString()
            return .unitNew(unit: unit, path: try message.requireString(SD_BUS_TYPE_OBJECT_PATH))
        case (managerInterface, "UnitRemoved"):
            let unit = try message.requireString()
            return .unitRemoved(unit: unit, path: try message.requireString(SD_BUS_TYPE_OBJECT_PATH))
        case (managerInterface, "Reloading"):
            return .reloading(active: try message.requireBool())
        default:
            return nil
        }
    }

    /// The unit name an object path encodes (`…/unit/foo_2eservice` → `foo.service`).
    static func unitName(fromPath path: String) -> String? {
        var decoded: UnsafeMutablePointer<CChar>? = nil
        guard sd_bus_path_decode(path, unitPathPrefix, &decoded) > 0, let decoded else { return nil }
        defer { free(decoded) }
        return String(cString: decoded)
    }

    /// The object path of a unit, as systemd names it (`foo.service` → `…/unit/foo_2eservice`).
    static func unitPath(forName name: String) throws(SystemdError) -> String {
        var encoded: UnsafeMutablePointer<CChar>? = nil
        try sdCheck("sd_bus_path_encode", unit: name) { sd_bus_path_encode(unitPathPrefix, name, &encoded) }
        defer { free(encoded) }
        return String(cString: encoded!)
    }
}
