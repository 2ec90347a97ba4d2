/// One `Name=Value` line of a unit file, with the section it belongs to.
///
/// The same shape as the API's `options[{section,name,value}]`. Values keep what the original
/// fleet kept (see `UnitFile.init(parsing:)`), so hashes match.
public struct UnitOption: Sendable, Hashable, Codable {
    /// The section name, without brackets (`Service`).
    public var section: String
    /// The option name (`ExecStart`).
    public var name: String
    /// The value, trimmed of surrounding whitespace.
    public var value: String

    /// - Parameters:
    ///   - section: the section name, without brackets.
    ///   - name: the option name.
    ///   - value: the value.
    public init(section: String, name: String, value: String) {
        self.section = section
        self.name = name
        self.value = value
    }
}
