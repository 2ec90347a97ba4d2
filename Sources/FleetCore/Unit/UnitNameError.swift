/// Why a string is not a valid unit name (SPEC §1). Nothing with such a name is ever
/// written to disk.
public struct UnitNameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Hashable {
        case empty
        /// Longer than `UnitName.maxLength` bytes.
        case tooLong(Int)
        /// No `.suffix`.
        case missingSuffix
        /// The suffix is not a known unit type.
        case unknownType(String)
        /// A character outside `[a-zA-Z0-9:_.@-]`.
        case invalidCharacter(Character)
        /// Nothing before the `.suffix` or before the `@`.
        case emptyPrefix
        /// `name@…` for a type that has no templates (mount, device, …).
        case templateNotSupported(UnitType)
    }

    /// The name that was refused.
    public let name: String
    /// What is wrong.
    public let kind: Kind

    /// - Parameters:
    ///   - name: the refused name.
    ///   - kind: what is wrong.
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// `invalid unit name "…": reason`.
    public var description: String {
        let reason: String
        switch kind {
        case .empty: reason = "unit name cannot be empty"
        case .tooLong(let n): reason = "unit name is \(n) bytes long, the maximum is \(UnitName.maxLength)"
        case .missingSuffix: reason = "unit name must end in .TYPE (for example .service)"
        case .unknownType(let t):
            reason = "unknown unit type \"\(t)\" (expected one of \(UnitType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .invalidCharacter(let c):
            reason = "invalid character \(c.debugDescription) (allowed: letters, digits and :_.@-)"
        case .emptyPrefix: reason = "unit name has nothing before the \"@\" or the type suffix"
        case .templateNotSupported(let t):
            reason = "\(t.rawValue) units cannot be templates or instances (only path, service, socket, target and timer)"
        }
        return "invalid unit name \(name.debugDescription): \(reason)"
    }
}
