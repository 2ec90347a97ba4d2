/// Parses systemd unit-file text into ordered options with the semantics of go-systemd's
/// `unit.Deserialize`, which the original fleet used: a unit's hash is
/// `sha1(Serialize(Deserialize(file)))`, so every value must come out byte for byte as there.
///
/// Facts carried over (go-systemd `unit/deserialize.go`, newest form):
/// - Lines end at `\n`. A `\r` before it stays in the line (it is trimmed from values as
///   whitespace, but a line ending `\\\r` is not a continuation).
/// - Whitespace is Go's `unicode.IsSpace` (ASCII space, `\t\n\v\f\r`, U+0085, U+00A0 and the
///   Unicode space separators); option names and values are trimmed of it on both ends.
/// - Between options any whitespace, blank lines included, is skipped; `#` or `;` as the first
///   non-blank character starts a comment. A comment line ending in `\` (after dropping at most
///   one trailing space) continues onto the next line, which is then a comment too.
/// - A value line ending in `\` continues onto the next line. The backslash and a `\n` are
///   KEPT in the value (`a \` + `  b` gives `a \` `\n` `  b`); a comment-looking continuation
///   line is part of the value; a blank line ends the value. If the value ends with that kept
///   `\n` (continuation followed by a blank line or the end of the file), the value is trimmed
///   and one `\n` put back.
/// - `Name` is everything before the first `=`, trimmed; `[Name]` must be alone on its line
///   (trailing whitespace allowed); the section name is kept untrimmed.
/// - A run of 2048 bytes or more without `\r`/`\n` is refused (go-systemd's SYSTEMD_LINE_MAX).
///
/// Deliberate deviations, all of them refusals of input the original accepted silently and
/// whose meaning was accidental (none changes the hash of an accepted file):
/// - text before the first section is an error (go-systemd skipped it character by character,
///   and a `[` in it could open a section);
/// - `[]` (empty section name) and a section name running over a line break are errors;
/// - `=value` (empty option name) is an error.
/// Input is Swift `String`, so it is valid UTF-8; invalid bytes are repaired by the caller's
/// decoding (go-systemd kept raw bytes in values).
struct UnitFileParser {
    /// go-systemd's SYSTEMD_LINE_MAX: a run this long without a line break is refused.
    static let lineMax = 2048

    private let bytes: [UInt8]
    private var i = 0
    private var line = 1

    init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parse() throws(UnitFileError) -> [UnitOption] {
        try checkLineLengths()
        var options: [UnitOption] = []
        var section: String?
        let end = bytes.count
        while true {
            skipWhitespace()
            if i >= end { break }
            let c = bytes[i]
            if c == UInt8(ascii: "[") {
                section = try parseSectionHeader()
            } else if c == UInt8(ascii: "#") || c == UInt8(ascii: ";") {
                i += 1
                skipComment()
            } else if let section {
                let (name, value) = try parseOption()
                options.append(UnitOption(section: section, name: name, value: value))
            } else {
                throw UnitFileError(line: line, kind: .optionBeforeSection)
            }
        }
        return options
    }

    // MARK: - Lexing steps

    private func checkLineLengths() throws(UnitFileError) {
        var run = 0
        var lineNumber = 1
        for b in bytes {
            if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                if b == UInt8(ascii: "\n") { lineNumber += 1 }
                run = 0
            } else {
                run += 1
                if run >= Self.lineMax {
                    throw UnitFileError(line: lineNumber, kind: .lineTooLong)
                }
            }
        }
    }

    /// Skips Unicode whitespace, line breaks included.
    private mutating func skipWhitespace() {
        let end = bytes.count
        while i < end {
            let w = Self.spaceWidth(bytes, at: i, end: end)
            if w == 0 { return }
            if bytes[i] == UInt8(ascii: "\n") { line += 1 }
            i += w
        }
    }

    /// Reads the rest of the current line. Consumes the `\n`; reports whether the end of the
    /// input was reached instead. As go-systemd's `toEOL`, a `\r` is only dropped at the end of
    /// the input (before a `\n` it stays).
    private mutating func restOfLine() -> (lo: Int, hi: Int, eof: Bool) {
        let lo = i
        let end = bytes.count
        var k = i
        while k < end && bytes[k] != UInt8(ascii: "\n") { k += 1 }
        if k == end {
            i = end
            var hi = k
            if hi > lo && bytes[hi - 1] == UInt8(ascii: "\r") { hi -= 1 }
            return (lo, hi, true)
        }
        i = k + 1
        line += 1
        return (lo, k, false)
    }

    /// After `#`/`;`: skips the comment and any lines it continues onto.
    private mutating func skipComment() {
        while true {
            let (lo, hi, eof) = restOfLine()
            var h = hi
            if h > lo && bytes[h - 1] == UInt8(ascii: " ") { h -= 1 }
            if eof || !(h > lo && bytes[h - 1] == UInt8(ascii: "\\")) { return }
        }
    }

    /// At `[`: reads `[Name]` and checks the rest of its line is blank.
    private mutating func parseSectionHeader() throws(UnitFileError) -> String {
        let headerLine = line
        let start = i + 1
        let end = bytes.count
        var k = start
        while k < end && bytes[k] != UInt8(ascii: "]") { k += 1 }
        guard k < end else { throw UnitFileError(line: headerLine, kind: .unterminatedSectionHeader) }
        if bytes[start..<k].contains(UInt8(ascii: "\n")) {
            throw UnitFileError(line: headerLine, kind: .newlineInSectionName)
        }
        guard k > start else { throw UnitFileError(line: headerLine, kind: .emptySectionName) }
        let name = String(decoding: bytes[start..<k], as: UTF8.self)
        i = k + 1
        let (lo, hi, _) = restOfLine()
        let (glo, ghi) = Self.trimmed(bytes, lo, hi)
        if glo < ghi {
            let garbage = String(decoding: bytes[glo..<ghi], as: UTF8.self)
            throw UnitFileError(line: headerLine, kind: .garbageAfterSectionHeader(garbage))
        }
        return name
    }

    /// At the first character of an option name: reads `Name=Value` (with continuations).
    private mutating func parseOption() throws(UnitFileError) -> (String, String) {
        let optionLine = line
        let end = bytes.count
        var k = i
        while k < end {
            let c = bytes[k]
            if c == UInt8(ascii: "=") { break }
            if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") {
                throw UnitFileError(line: optionLine, kind: .missingEquals)
            }
            k += 1
        }
        guard k < end else { throw UnitFileError(line: optionLine, kind: .missingEquals) }
        let (nlo, nhi) = Self.trimmed(bytes, i, k)
        guard nlo < nhi else { throw UnitFileError(line: optionLine, kind: .emptyOptionName) }
        let name = String(decoding: bytes[nlo..<nhi], as: UTF8.self)
        i = k + 1
        return (name, readValue())
    }

    /// After `=`: the value, joined over continuation lines exactly as go-systemd joins them.
    private mutating func readValue() -> String {
        let first = restOfLine()
        let (flo, fhi) = Self.trimmed(bytes, first.lo, first.hi)
        if flo == fhi { return "" }
        // Fast path: a single line, no continuation.
        if bytes[first.hi - 1] != UInt8(ascii: "\\") {
            return String(decoding: bytes[flo..<fhi], as: UTF8.self)
        }
        var partial = Array(bytes[first.lo..<first.hi])
        var eof = first.eof
        if !eof { partial.append(UInt8(ascii: "\n")) }
        while true {
            let next = restOfLine()
            let (tlo, thi) = Self.trimmed(bytes, next.lo, next.hi)
            if tlo == thi { break }
            partial.append(contentsOf: bytes[next.lo..<next.hi])
            eof = next.eof
            guard bytes[next.hi - 1] == UInt8(ascii: "\\") else { break }
            if !eof { partial.append(UInt8(ascii: "\n")) }
        }
        let keepNewline = partial.last == UInt8(ascii: "\n")
        let (vlo, vhi) = Self.trimmed(partial, 0, partial.count)
        var value = String(decoding: partial[vlo..<vhi], as: UTF8.self)
        if keepNewline { value.append("\n") }
        return value
    }

    // MARK: - Go's unicode.IsSpace over UTF-8

    /// The byte length of the whitespace scalar at `at`, or 0 when it is not whitespace.
    /// Whitespace is Go's `unicode.IsSpace`: `\t\n\v\f\r`, space, U+0085, U+00A0, U+1680,
    /// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    @inline(__always)
    static func spaceWidth(_ b: [UInt8], at i: Int, end: Int) -> Int {
        let c = b[i]
        if c == 0x20 || (c >= 0x09 && c <= 0x0D) { return 1 }
        if c < 0x80 { return 0 }
        switch c {
        case 0xC2:
            guard i + 1 < end else { return 0 }
            let d = b[i + 1]
            return d == 0x85 || d == 0xA0 ? 2 : 0
        case 0xE1:
            guard i + 2 < end else { return 0 }
            return b[i + 1] == 0x9A && b[i + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard i + 2 < end else { return 0 }
            let d = b[i + 1], e = b[i + 2]
            if d == 0x80 && ((0x80...0x8A).contains(e) || e == 0xA8 || e == 0xA9 || e == 0xAF) {
                return 3
            }
            return d == 0x81 && e == 0x9F ? 3 : 0
        case 0xE3:
            guard i + 2 < end else { return 0 }
            return b[i + 1] == 0x80 && b[i + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }

    /// `lo..<hi` without leading and trailing whitespace (Go's `strings.TrimSpace`).
    static func trimmed(_ b: [UInt8], _ lo: Int, _ hi: Int) -> (Int, Int) {
        var l = lo
        while l < hi {
            let w = spaceWidth(b, at: l, end: hi)
            if w == 0 { break }
            l += w
        }
        var h = hi
        while h > l {
            let c = b[h - 1]
            if c == 0x20 || (c >= 0x09 && c <= 0x0D) {
                h -= 1
            } else if c < 0x80 {
                break
            } else if h - l >= 2 && spaceWidth(b, at: h - 2, end: h) == 2 {
                h -= 2
            } else if h - l >= 3 && spaceWidth(b, at: h - 3, end: h) == 3 {
                h -= 3
            } else {
                break
            }
        }
        return (l, h)
    }
}
