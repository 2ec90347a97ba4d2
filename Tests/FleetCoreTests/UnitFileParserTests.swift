import Testing
@testable import FleetCore

/// Shorthand: the (section, name, value) triples of a parsed file.
private func parse(_ text: String) throws -> [[String]] {
    try UnitFile(parsing: text).options.map { [$0.section, $0.name, $0.value] }
}

private func parseError(_ text: String) -> UnitFileError? {
    do {
        _ = try UnitFile(parsing: text)
        return nil
    } catch {
        return error
    }
}

@Test func sectionsAndRepeatedKeysKeepFileOrder() throws {
    let text = """
        [Unit]
        Description=Hello
        After=a.service
        After=b.service

        [Service]
        ExecStart=/bin/true
        Environment=A=1
        Environment=B=2
        """
    #expect(try parse(text) == [
        ["Unit", "Description", "Hello"],
        ["Unit", "After", "a.service"],
        ["Unit", "After", "b.service"],
        ["Service", "ExecStart", "/bin/true"],
        ["Service", "Environment", "A=1"],
        ["Service", "Environment", "B=2"],
    ])
}

@Test func valueKeepsEverythingAfterTheFirstEquals() throws {
    #expect(try parse("[S]\nEnvironment=KEY=a=b\n") == [["S", "Environment", "KEY=a=b"]])
}

@Test func hashAndSemicolonLinesAreComments() throws {
    let text = "# top\n; also\n[Unit]\n# inside\n  ; indented\nDescription=x\n"
    #expect(try parse(text) == [["Unit", "Description", "x"]])
}

@Test func commentEndingInBackslashSwallowsTheNextLine() throws {
    // go-systemd continues a comment whose line ends in "\" (after one trailing space).
    #expect(try parse("[U]\n# note \\\nA=hidden\nB=seen\n") == [["U", "B", "seen"]])
    #expect(try parse("[U]\n# note \\ \nA=hidden\nB=seen\n") == [["U", "B", "seen"]])
    // Only one trailing space is dropped: with two the comment ends on its line.
    #expect(try parse("[U]\n# note \\  \nA=shown\n") == [["U", "A", "shown"]])
}

@Test func namesAndValuesAreTrimmedOfGoWhitespace() throws {
    #expect(try parse("[U]\n   Name  =   value with  inner   \t\n") == [["U", "Name", "value with  inner"]])
    // Go's unicode.IsSpace includes NO-BREAK SPACE and EM SPACE; the original trimmed them.
    #expect(try parse("[U]\nA=\u{00A0}x\u{2003}\n") == [["U", "A", "x"]])
    // A non-space non-ASCII character is kept.
    #expect(try parse("[U]\nA=é\n") == [["U", "A", "é"]])
}

@Test func emptyValuesAreKept() throws {
    #expect(try parse("[U]\nA=\nB=   \nC=1\n") == [["U", "A", ""], ["U", "B", ""], ["U", "C", "1"]])
}

@Test func sectionNameIsKeptAsWrittenAndTrailingSpaceAfterHeaderIsFine() throws {
    #expect(try parse("[ Odd Name ]  \t\nA=1\n") == [[" Odd Name ", "A", "1"]])
}

@Test func continuationKeepsBackslashAndNewline() throws {
    let text = "[Service]\nExecStart=/bin/sh -c \\\n  'echo hi; \\\n   sleep 1'\nUser=core\n"
    #expect(try parse(text) == [
        ["Service", "ExecStart", "/bin/sh -c \\\n  'echo hi; \\\n   sleep 1'"],
        ["Service", "User", "core"],
    ])
}

@Test func commentLookingContinuationLineBelongsToTheValue() throws {
    #expect(try parse("[S]\nA=one \\\n# two\nB=3\n") == [["S", "A", "one \\\n# two"], ["S", "B", "3"]])
}

@Test func blankLineEndsAContinuationAndLeavesOneNewline() throws {
    #expect(try parse("[S]\nA=x \\\n\nB=y\n") == [["S", "A", "x \\\n"], ["S", "B", "y"]])
    #expect(try parse("[S]\nA=x \\\n   \nB=y\n") == [["S", "A", "x \\\n"], ["S", "B", "y"]])
}

@Test func continuationAtEndOfFile() throws {
    // Newline after the backslash, then EOF: the newline stays.
    #expect(try parse("[S]\nA=x \\\n") == [["S", "A", "x \\\n"]])
    // EOF right after the backslash: nothing added.
    #expect(try parse("[S]\nA=x \\") == [["S", "A", "x \\"]])
}

@Test func backslashInsideALineIsNotAContinuation() throws {
    #expect(try parse("[S]\nA=a\\b\nB=c\n") == [["S", "A", "a\\b"], ["S", "B", "c"]])
}

@Test func crlfLinesParse() throws {
    #expect(try parse("[Unit]\r\nDescription=foo\r\n\r\n[Service]\r\nA=1\r\n") == [
        ["Unit", "Description", "foo"], ["Service", "A", "1"],
    ])
    // "\\\r\n" is not a continuation in go-systemd (the \r stays in the line).
    #expect(try parse("[S]\r\nA=x \\\r\nB=y\r\n") == [["S", "A", "x \\"], ["S", "B", "y"]])
}

@Test func emptyAndCommentOnlyFilesHaveNoOptions() throws {
    #expect(try parse("") == [])
    #expect(try parse("\n\n# nothing\n; here\n") == [])
    #expect(try parse("[Install]\n") == [])
}

@Test func optionBeforeAnySectionIsRejectedWithItsLine() {
    #expect(parseError("Description=x\n[Unit]\n") == UnitFileError(line: 1, kind: .optionBeforeSection))
    #expect(parseError("# c\n\nA=1\n") == UnitFileError(line: 3, kind: .optionBeforeSection))
}

@Test func lineWithoutEqualsIsRejectedWithItsLine() {
    #expect(parseError("[Unit]\nDescription=x\nBogus line\nA=1\n") == UnitFileError(line: 3, kind: .missingEquals))
    #expect(parseError("[Unit]\n\n\nTrailing") == UnitFileError(line: 4, kind: .missingEquals))
    #expect(parseError("[Unit]\nName\r\n") == UnitFileError(line: 2, kind: .missingEquals))
}

@Test func badSectionHeadersAreRejected() {
    #expect(parseError("[Unit\nA=1]\n") == UnitFileError(line: 1, kind: .newlineInSectionName))
    #expect(parseError("[Unit\nA=1\n") == UnitFileError(line: 1, kind: .unterminatedSectionHeader))
    #expect(parseError("A\n[Unit") == UnitFileError(line: 1, kind: .optionBeforeSection))
    #expect(parseError("\n[Unit") == UnitFileError(line: 2, kind: .unterminatedSectionHeader))
    #expect(parseError("[]\nA=1\n") == UnitFileError(line: 1, kind: .emptySectionName))
    #expect(parseError("[Unit]\n[Service] # c\n") == UnitFileError(line: 2, kind: .garbageAfterSectionHeader("# c")))
}

@Test func emptyOptionNameIsRejected() {
    #expect(parseError("[U]\nA=1\n  = value\n") == UnitFileError(line: 3, kind: .emptyOptionName))
}

@Test func linesOf2048BytesAreRejected() throws {
    let ok = "[S]\nA=" + String(repeating: "x", count: 2045) + "\n"  // 2047-byte line
    #expect(try parse(ok).first?[2].utf8.count == 2045)
    let long = "[S]\nB=1\nA=" + String(repeating: "x", count: 2046) + "\n"  // 2048-byte line
    #expect(parseError(long) == UnitFileError(line: 3, kind: .lineTooLong))
}

@Test func errorsDescribeLineAndProblem() {
    let error = UnitFileError(line: 7, kind: .missingEquals)
    #expect(error.description.hasPrefix("line 7: "))
    #expect(error.description.contains("'='"))
}

@Test func carriageReturnBreaksALongRunLikeANewline() throws {
    // go-systemd's length check looks for "\r" or "\n" within 2048 bytes.
    let half = String(repeating: "x", count: 1500)
    #expect(try parse("[S]\nA=\(half)\r\(half)\n").first?[2] == "\(half)\r\(half)")
}
