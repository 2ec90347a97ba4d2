/// The unit-name rules of SPEC §1, checked before the agent writes a file by that name.
///
/// `string.suffix` or `string@instance.suffix`; string `[a-zA-Z0-9:_.@-]+`, instance
/// `[a-zA-Z0-9:_.@-]*`; templates (`string@.suffix`) only for path, service, socket, target and
/// timer. A valid name has no `/` and is never `.` or `..`, so it is safe as a file name.
public enum UnitNameRules {
    /// Unit types fleet accepts.
    public static let suffixes: Set<Substring> = [
        "automount", "busname", "device", "mount", "path", "scope", "service", "slice",
        "snapshot", "socket", "swap", "target", "timer",
    ]
    /// Unit types that may be templates.
    public static let templateSuffixes: Set<Substring> = ["path", "service", "socket", "target", "timer"]
    /// systemd's limit on a unit name's length (UNIT_NAME_MAX).
    public static let maximumLength = 255

    /// Checks a unit name.
    /// - Parameter name: the name to check.
    /// - Throws: `UnitManagerError` with code `.invalidName` and a message saying what is wrong.
    public static func validate(_ name: String) throws(UnitManagerError) {
        func reject(_ why: String) -> UnitManagerError {
            UnitManagerError(.invalidName, unit: name, message: "invalid unit name \"\(name)\": \(why)")
        }
        guard name.utf8.count <= maximumLength else { throw reject("longer than \(maximumLength) bytes") }
        guard let dot = name.lastIndex(of: ".") else { throw reject("no type suffix") }
        let suffix = name[name.index(after: dot)...]
        guard suffixes.contains(suffix) else { throw reject("unknown unit type \"\(suffix)\"") }
        let base = name[..<dot]
        if let bad = base.first(where: { !isAllowed($0) }) { throw reject("character \"\(bad)\" not allowed") }
        let parts = base.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard !parts[0].isEmpty else { throw reject("empty name before the type suffix or @") }
        if parts.count == 2 && parts[1].isEmpty && !templateSuffixes.contains(suffix) {
            throw reject("\(suffix) units cannot be templates")
        }
    }

    /// Whether a valid name is a template (`name@.service`).
    public static func isTemplate(_ name: String) -> Bool {
        guard let parts = split(name) else { return false }
        return parts.instance?.isEmpty == true
    }

    /// The template an instance name comes from (`web@1.service` → `web@.service`), or `nil`.
    public static func template(ofInstance name: String) -> String? {
        guard let parts = split(name), let instance = parts.instance, !instance.isEmpty else { return nil }
        return parts.prefix + "@." + parts.suffix
    }

    /// `prefix@instance.suffix` → its three parts (instance `nil` without `@`).
    private static func split(_ name: String) -> (prefix: Substring, instance: Substring?, suffix: Substring)? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let base = name[..<dot]
        let suffix = name[name.index(after: dot)...]
        guard let at = base.firstIndex(of: "@") else { return (base, nil, suffix) }
        return (base[..<at], base[base.index(after: at)...], suffix)
    }

    private static func isAllowed(_ character: Character) -> Bool {
        guard character.isASCII, let byte = character.asciiValue else { return false }
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return ":_.@-".utf8.contains(byte)
        }
    }
}
