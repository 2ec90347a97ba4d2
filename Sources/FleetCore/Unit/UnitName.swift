/// A validated unit name: `string.suffix` or `string@instance.suffix` (SPEC §1).
///
/// Only `[a-zA-Z0-9:_.@-]` characters and a known type suffix get through, so a `UnitName`
/// can never contain `/`, NUL or any other path syntax, nor be `.` or `..`: it is safe to
/// use as a file name under the units directory.
public struct UnitName: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Plain unit, template or instance.
    public enum Kind: Sendable, Hashable {
        /// `foo.service`.
        case plain
        /// `foo@.service`.
        case template
        /// `foo@bar.service`.
        case instance
    }

    /// Longest accepted name in bytes: systemd's UNIT_NAME_MAX less its NUL, which is also
    /// the file-name limit (NAME_MAX) of the units directory. The original allowed 256.
    public static let maxLength = 255

    /// The full name (`foo@bar.service`).
    public let rawValue: String
    /// The type from the suffix.
    public let type: UnitType
    /// Everything before the first `@`, or the name without suffix when there is no `@`
    /// (systemd's and fleet's `%p`).
    public let prefix: String
    /// After the first `@` and before the suffix: nil for a plain unit, empty for a template.
    public let instance: String?

    /// Validates a unit name.
    /// - Parameter name: the candidate name.
    /// - Throws: `UnitNameError` saying what is wrong.
    public init(_ name: String) throws(UnitNameError) {
        func fail(_ kind: UnitNameError.Kind) -> UnitNameError { UnitNameError(name: name, kind: kind) }
        let utf8 = Array(name.utf8)
        guard !utf8.isEmpty else { throw fail(.empty) }
        guard utf8.count <= Self.maxLength else { throw fail(.tooLong(utf8.count)) }
        // Characters first: this is the guarantee that no path syntax gets through.
        for c in name where !Self.isAllowed(c) { throw fail(.invalidCharacter(c)) }
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")), dot + 1 < utf8.count else {
            throw fail(.missingSuffix)
        }
        let suffix = String(decoding: utf8[(dot + 1)...], as: UTF8.self)
        guard let type = UnitType(rawValue: suffix) else { throw fail(.unknownType(suffix)) }
        let stem = utf8[..<dot]
        guard !stem.isEmpty else { throw fail(.emptyPrefix) }
        if let at = stem.firstIndex(of: UInt8(ascii: "@")) {
            guard at > stem.startIndex else { throw fail(.emptyPrefix) }
            guard type.supportsTemplates else { throw fail(.templateNotSupported(type)) }
            self.prefix = String(decoding: stem[..<at], as: UTF8.self)
            self.instance = String(decoding: stem[(at + 1)...], as: UTF8.self)
        } else {
            self.prefix = String(decoding: stem, as: UTF8.self)
            self.instance = nil
        }
        self.rawValue = name
        self.type = type
    }

    private static func isAllowed(_ c: Character) -> Bool {
        guard let a = c.asciiValue else { return false }
        switch a {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: ":"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "@"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// Plain, template or instance.
    public var kind: Kind {
        switch instance {
        case nil: .plain
        case let i?: i.isEmpty ? .template : .instance
        }
    }

    /// The name without the `.suffix` (`foo@bar`): what the original substituted for `%N`.
    public var nameWithoutSuffix: String { String(rawValue.dropLast(type.rawValue.count + 1)) }

    /// For an instance (`foo@bar.service`), its template (`foo@.service`); nil otherwise.
    public var templateName: UnitName? {
        guard kind == .instance else { return nil }
        // Cannot fail: prefix, `@` and the same suffix are all valid and shorter.
        return try? UnitName("\(prefix)@.\(type.rawValue)")
    }

    /// The full name.
    public var description: String { rawValue }

    public static func < (lhs: UnitName, rhs: UnitName) -> Bool { lhs.rawValue < rhs.rawValue }

    /// - Parameter decoder: holds the name as a string.
    /// - Throws: `DecodingError.dataCorrupted` when the name is invalid.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// - Parameter encoder: receives the full name.
    /// - Throws: whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
