import Testing
import SystemdBridge

private func entry(_ fields: [(String, String)], realtime: UInt64 = 1_764_067_477_123_456) -> JournalEntry {
    JournalEntry(
        fields: fields.map { .init(name: $0.0, value: Array($0.1.utf8)) },
        realtime: realtime, monotonic: 42, bootID: "0123456789abcdef0123456789abcdef", cursor: "s=1;i=2")
}

@Suite struct JournalFormatterTests {
    // 1764067477 s is 2025-11-25 10:44:37 UTC.
    @Test func shortLooksLikeJournalctl() {
        let line = JournalFormatter.format(entry([
            ("_HOSTNAME", "node1"), ("SYSLOG_IDENTIFIER", "hello"), ("_PID", "812"), ("MESSAGE", "Hello World"),
        ]), mode: .short, utc: true)
        #expect(line == "Nov 25 10:44:37 node1 hello[812]: Hello World")
    }

    @Test func shortPrefersTheSendersTimestampAndSyslogPID() {
        let line = JournalFormatter.format(entry([
            ("_SOURCE_REALTIME_TIMESTAMP", "1764067400000000"), ("_HOSTNAME", "h"), ("_COMM", "sh"),
            ("_PID", "1"), ("SYSLOG_PID", "7"), ("MESSAGE", "x"),
        ]), mode: .short, utc: true)
        #expect(line == "Nov 25 10:43:20 h sh[7]: x")
    }

    @Test func shortIndentsContinuationLines() {
        let line = JournalFormatter.format(entry([
            ("_HOSTNAME", "h"), ("SYSLOG_IDENTIFIER", "a"), ("MESSAGE", "one\ntwo"),
        ]), mode: .short, utc: true)
        #expect(line == "Nov 25 10:44:37 h a: one\n" + String(repeating: " ", count: 21) + "two")
    }

    @Test(arguments: [
        (JournalFormatter.Mode.shortPrecise, "Nov 25 10:44:37.123456"),
        (.shortISO, "2025-11-25T10:44:37+0000"),
        (.shortISOPrecise, "2025-11-25T10:44:37.123456+0000"),
        (.shortFull, "Tue 2025-11-25 10:44:37 UTC"),
        (.shortUnix, "1764067477.123456"),
        (.shortMonotonic, "[    0.000042]"),
    ])
    func theOtherShortModesDifferInTheirTime(mode: JournalFormatter.Mode, time: String) {
        let line = JournalFormatter.format(entry([
            ("_HOSTNAME", "node1"), ("SYSLOG_IDENTIFIER", "hello"), ("_PID", "812"), ("MESSAGE", "Hello World"),
        ]), mode: mode, utc: true)
        #expect(line == time + " node1 hello[812]: Hello World")
    }

    @Test func jsonSSEAndJSONSeqWrapTheJSONLine() {
        let e = entry([("MESSAGE", "m")])
        let json = JournalFormatter.format(e, mode: .json)
        #expect(JournalFormatter.format(e, mode: .jsonSSE) == "data: " + json + "\n")
        #expect(JournalFormatter.format(e, mode: .jsonSeq) == "\u{1E}" + json)
    }

    @Test func catPrintsTheMessageOnly() {
        #expect(JournalFormatter.format(entry([("_PID", "1"), ("MESSAGE", "just this")]), mode: .cat) == "just this")
    }

    @Test func jsonHasTheCursorTimesAndEveryField() {
        let json = JournalFormatter.format(entry([
            ("MESSAGE", "say \"hi\"\n"), ("TAG", "a"), ("TAG", "b"), ("_BOOT_ID", "0123456789abcdef0123456789abcdef"),
        ]), mode: .json)
        #expect(json == #"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1764067477123456","__MONOTONIC_TIMESTAMP":"42","#
            + #""_BOOT_ID":"0123456789abcdef0123456789abcdef","MESSAGE":"say \"hi\"\n","TAG":["a","b"]}"#)
    }

    @Test func jsonPrintsBinaryValuesAsByteArrays() {
        let binary = JournalEntry(fields: [.init(name: "DATA", value: [0x01, 0xff])], realtime: 0)
        #expect(JournalFormatter.format(binary, mode: .json).hasSuffix(#""DATA":[1,255]}"#))
    }

    @Test func entriesReadTheirFields() {
        let e = entry([("MESSAGE", "m"), ("_PID", "3")])
        #expect(e.message == "m")
        #expect(e["_PID"] == "3")
        #expect(e["NOPE"] == nil)
    }
}
