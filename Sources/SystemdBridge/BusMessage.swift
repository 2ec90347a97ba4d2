internal import CSystemd

/// Owns one reference to an `sd_bus_message` and reads or appends values on it.
///
/// Never leaves SystemdBridge: replies are decoded into Swift values inside the call that
/// received them. Not `Sendable`; it belongs to the connection's thread.
struct BusMessage: ~Copyable {
    let raw: OpaquePointer

    /// Takes over a reference the caller owns (from `sd_bus_call`, `new_method_call`).
    init(consuming raw: OpaquePointer) { self.raw = raw }

    /// Adds a reference to a message someone else owns (a signal passed to a callback).
    init(borrowing raw: OpaquePointer) { self.raw = sd_bus_message_ref(raw) }

    deinit { sd_bus_message_unref(raw) }

    // MARK: appending

    mutating func append(_ value: String) throws(SystemdError) {
        let result = value.withCString { sd_bus_message_append_basic(raw, CChar(SD_BUS_TYPE_STRING), $0) }
        try sdCheck("sd_bus_message_append_basic") { result }
    }

    mutating func append(_ value: Bool) throws(SystemdError) {
        // See: sd_bus_message_append_basic(3) — 'b' takes an int.
        var flag: CInt = value ? 1 : 0
        try sdCheck("sd_bus_message_append_basic") {
            sd_bus_message_append_basic(raw, CChar(SD_BUS_TYPE_BOOLEAN), &flag)
        }
    }

    mutating func append(_ values: [String]) throws(SystemdError) {
        try openContainer(CChar(SD_BUS_TYPE_ARRAY), "s")
        for value in values { try append(value) }
        try closeContainer()
    }

    mutating func openContainer(_ type: CChar, _ contents: String) throws(SystemdError) {
        let result = contents.withCString { sd_bus_message_open_container(raw, type, $0) }
        try sdCheck("sd_bus_message_open_container") { result }
    }

    mutating func closeContainer() throws(SystemdError) {
        try sdCheck("sd_bus_message_close_container") { sd_bus_message_close_container(raw) }
    }

    // MARK: reading

    /// Reads one string-like value (`s`, `o`, `g`). Returns `nil` at the end of a container.
    mutating func readString(_ type: Int = SD_BUS_TYPE_STRING) throws(SystemdError) -> String? {
        var pointer: UnsafePointer<CChar>? = nil
        let read = try sdCheck("sd_bus_message_read_basic") { sd_bus_message_read_basic(raw, CChar(type), &pointer) }
        // The string is borrowed from the message: copy it now.
        guard read > 0, let pointer else { return nil }
        return String(cString: pointer)
    }

    /// Reads a string that must be there.
    mutating func requireString(_ type: Int = SD_BUS_TYPE_STRING) throws(SystemdError) -> String {
        guard let value = try readString(type) else { throw Self.malformed }
        return value
    }

    /// Reads one fixed-size basic value of C type `T`. Returns `nil` at the end of a container.
    mutating func readFixed<T: BitwiseCopyable>(_ type: Int, as _: T.Type) throws(SystemdError) -> T? {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
        defer { storage.deallocate() }
        let read = try sdCheck("sd_bus_message_read_basic") { sd_bus_message_read_basic(raw, CChar(type), storage) }
        return read > 0 ? storage.load(as: T.self) : nil
    }

    /// Reads a `u` that must be there.
    mutating func requireUInt32() throws(SystemdError) -> UInt32 {
        guard let value = try readFixed(SD_BUS_TYPE_UINT32, as: UInt32.self) else { throw Self.malformed }
        return value
    }

    /// Reads a `b` that must be there ('b' reads into an int).
    mutating func requireBool() throws(SystemdError) -> Bool {
        guard let value = try readFixed(SD_BUS_TYPE_BOOLEAN, as: CInt.self) else { throw Self.malformed }
        return value != 0
    }

    /// Reads an `as`.
    mutating func readStrings() throws(SystemdError) -> [String] {
        try enter(SD_BUS_TYPE_ARRAY, "s")
        var values: [String] = []
        while let value = try readString() { values.append(value) }
        try exit()
        return values
    }

    /// Enters a container; returns `false` at the end of the enclosing array.
    @discardableResult
    mutating func enter(_ type: Int, _ contents: String) throws(SystemdError) -> Bool {
        let result = contents.withCString { sd_bus_message_enter_container(raw, CChar(type), $0) }
        return try sdCheck("sd_bus_message_enter_container") { result } > 0
    }

    mutating func exit() throws(SystemdError) {
        try sdCheck("sd_bus_message_exit_container") { sd_bus_message_exit_container(raw) }
    }

    /// Skips the next complete value, whatever its type.
    mutating func skip() throws(SystemdError) {
        try sdCheck("sd_bus_message_skip") { sd_bus_message_skip(raw, nil) }
    }

    /// The type code and contents signature of the next value, or `nil` at the end.
    mutating func peek() throws(SystemdError) -> (type: Int, contents: String?)? {
        var type: CChar = 0
        var contents: UnsafePointer<CChar>? = nil
        let more = try sdCheck("sd_bus_message_peek_type") { sd_bus_message_peek_type(raw, &type, &contents) }
        guard more > 0 else { return nil }
        return (Int(type), contents.map { String(cString: $0) })
    }

    /// Reads a variant (`v`) into a `BusValue`.
    mutating func readVariant() throws(SystemdError) -> BusValue {
        guard let (_, contents) = try peek(), let signature = contents else { throw Self.malformed }
        try enter(SD_BUS_TYPE_VARIANT, signature)
        defer { try? exit() }
        switch signature {
        case "s": return .string(try requireString())
        case "o": return .objectPath(try requireString(SD_BUS_TYPE_OBJECT_PATH))
        case "b": return .bool(try requireBool())
        case "y": return .byte(try readFixed(SD_BUS_TYPE_BYTE, as: UInt8.self) ?? 0)
        case "i": return .int32(try readFixed(SD_BUS_TYPE_INT32, as: Int32.self) ?? 0)
        case "u": return .uint32(try readFixed(SD_BUS_TYPE_UINT32, as: UInt32.self) ?? 0)
        case "x": return .int64(try readFixed(SD_BUS_TYPE_INT64, as: Int64.self) ?? 0)
        case "t": return .uint64(try readFixed(SD_BUS_TYPE_UINT64, as: UInt64.self) ?? 0)
        case "d": return .double(try readFixed(SD_BUS_TYPE_DOUBLE, as: Double.self) ?? 0)
        case "as": return .strings(try readStrings())
        case "(ss)":
            try enter(SD_BUS_TYPE_STRUCT, "ss")
            let pair = BusValue.stringPair(try requireString(), try requireString())
            try exit()
            return pair
        default:
            try skip()
            return .unsupported(signature: signature)
        }
    }

    /// Reads an `a{sv}` into a dictionary, decoding only the keys `wanted` accepts.
    mutating func readProperties(where wanted: (String) -> Bool = { _ in true }) throws(SystemdError) -> [String: BusValue] {
        try enter(SD_BUS_TYPE_ARRAY, "{sv}")
        var properties: [String: BusValue] = [:]
        while try enter(SD_BUS_TYPE_DICT_ENTRY, "sv") {
            let key = try requireString()
            if wanted(key) { properties[key] = try readVariant() } else { try skip() }
            try exit()
        }
        try exit()
        return properties
    }

    /// The member (`JobRemoved`), path and interface of a message.
    var member: String? { sd_bus_message_get_member(raw).map { String(cString: $0) } }
    var path: String? { sd_bus_message_get_path(raw).map { String(cString: $0) } }
    var interface: String? { sd_bus_message_get_interface(raw).map { String(cString: $0) } }

    static let malformed = SystemdError(
        operation: "sd_bus_message_read", errno: 74, busErrorMessage: "unexpected message layout")  // EBADMSG
}
