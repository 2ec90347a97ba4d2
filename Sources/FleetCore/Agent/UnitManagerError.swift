/// Why a `UnitManager` refused or failed an action on a unit.
public struct UnitManagerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; new codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The name is not a valid unit name; nothing was written.
        public static let invalidName = Code("invalid name")
        /// systemd has no file for the unit.
        public static let notFound = Code("not found")
        /// systemd could not load the unit file (a bad setting); see the message.
        public static let loadFailed = Code("load failed")
        /// Writing or removing the unit file failed.
        public static let fileSystem = Code("file system")
        /// systemd refused or could not be reached.
        public static let systemd = Code("systemd")

        public var description: String { name }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The unit concerned.
    public var unit: String
    /// A message for people, naming the cause.
    public var message: String

    /// - Parameters: each field as documented on its property.
    public init(_ code: Code, unit: String, message: String) {
        self.code = code
        self.unit = unit
        self.message = message
    }

    public var description: String { "\(unit): \(message)" }
}
