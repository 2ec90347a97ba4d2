/// Why a unit file could not be parsed, and on which line.
public struct UnitFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Hashable {
        /// Text that is neither blank nor a comment appears before the first `[Section]`.
        case optionBeforeSection
        /// An option line has no `=`.
        case missingEquals
        /// `[` without a closing `]`.
        case unterminatedSectionHeader
        /// `[]`: a section needs a name.
        case emptySectionName
        /// The section name runs over a line break.
        case newlineInSectionName
        /// Something other than whitespace follows `]` on the header line.
        case garbageAfterSectionHeader(String)
        /// `=value` with nothing before the `=`.
        case emptyOptionName
        /// A line of 2048 bytes or more (systemd's LINE_MAX; the original refused these too).
        case lineTooLong
    }

    /// The 1-based line number the problem is on.
    public let line: Int
    /// What is wrong.
    public let kind: Kind

    /// - Parameters:
    ///   - line: the 1-based line number.
    ///   - kind: what is wrong.
    public init(line: Int, kind: Kind) {
        self.line = line
        self.kind = kind
    }

    /// `line N: what is wrong`.
    public var description: String {
        let what: String
        switch kind {
        case .optionBeforeSection:
            what = "option or text before the first [Section] header"
        case .missingEquals:
            what = "option line has no '=' (expected Name=Value)"
        case .unterminatedSectionHeader:
            what = "section header has no closing ']'"
        case .emptySectionName:
            what = "section header '[]' has no name"
        case .newlineInSectionName:
            what = "section header is split across lines (missing ']' on the header line)"
        case .garbageAfterSectionHeader(let garbage):
            what = "unexpected text after section header: \"\(garbage)\""
        case .emptyOptionName:
            what = "option has an empty name before '='"
        case .lineTooLong:
            what = "line too long (max \(UnitFileParser.lineMax - 1) bytes)"
        }
        return "line \(line): \(what)"
    }
}
