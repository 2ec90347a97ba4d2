/// One journal entry, copied out of sd-journal.
public struct JournalEntry: Sendable, Hashable {
    /// One `NAME=value` field; values are bytes (they may be binary).
    public struct Field: Sendable, Hashable {
        /// The field name (`MESSAGE`, `_PID`).
        public var name: String
        /// The raw value.
        public var value: [UInt8]

        /// - Parameters: each field as documented on its property.
        public init(name: String, value: [UInt8]) {
            self.name = name
            self.value = value
        }
    }

    /// The fields in the order the journal stores them; a name may repeat.
    public var fields: [Field]
    /// When the entry was written, in µs since the epoch.
    public var realtime: UInt64
    /// The monotonic time of the entry, in µs since boot.
    public var monotonic: UInt64
    /// The boot the entry belongs to (32 hex characters).
    public var bootID: String
    /// The entry's cursor, to resume after it.
    public var cursor: String

    /// - Parameters: each field as documented on its property.
    public init(fields: [Field], realtime: UInt64, monotonic: UInt64 = 0, bootID: String = "", cursor: String = "") {
        self.fields = fields
        self.realtime = realtime
        self.monotonic = monotonic
        self.bootID = bootID
        self.cursor = cursor
    }

    /// The first value of a field, as text; `nil` when the entry has no such field.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// The `MESSAGE` field, or the empty string.
    public var message: String { self["MESSAGE"] ?? "" }
}
