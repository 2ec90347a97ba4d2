#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Formats journal entries the way `journalctl --output=MODE` prints them.
public enum JournalFormatter {
    /// An output mode of `journalctl`.
    public enum Mode: String, Sendable, CaseIterable {
        /// `Nov 25 10:44:37 host ident[pid]: message`.
        case short
        /// `Nov 25 10:44:37.123456 host ident[pid]: message`.
        case shortPrecise = "short-precise"
        /// `2026-11-25T10:44:37+0000 host ident[pid]: message`.
        case shortISO = "short-iso"
        /// `2026-11-25T10:44:37.123456+0000 host ident[pid]: message`.
        case shortISOPrecise = "short-iso-precise"
        /// `Wed 2026-11-25 10:44:37 UTC host ident[pid]: message`.
        case shortFull = "short-full"
        /// `[ 1234.567890] host ident[pid]: message` (time since boot).
        case shortMonotonic = "short-monotonic"
        /// `1795603477.123456 host ident[pid]: message`.
        case shortUnix = "short-unix"
        /// One JSON object per entry, every field.
        case json
        /// `json` as server-sent events: `data: {…}` and an empty line.
        case jsonSSE = "json-sse"
        /// `json` as RFC 7464 records: an RS byte before each object.
        case jsonSeq = "json-seq"
        /// The message only.
        case cat
    }

    /// Formats one entry as one line (several for a multi-line message in `short` and `cat`),
    /// without the trailing newline.
    /// - Parameters:
    ///   - entry: the entry.
    ///   - mode: the output mode.
    ///   - utc: print times in UTC rather than the local time zone (`journalctl --utc`).
    public static func format(_ entry: JournalEntry, mode: Mode, utc: Bool = false) -> String {
        switch mode {
        case .cat: return entry.message
        case .json: return json(entry)
        case .jsonSSE: return "data: " + json(entry) + "\n"
        case .jsonSeq: return "\u{1E}" + json(entry)
        case .short, .shortPrecise, .shortISO, .shortISOPrecise, .shortFull, .shortMonotonic, .shortUnix:
            return short(entry, mode: mode, utc: utc)
        }
    }

    private static func short(_ entry: JournalEntry, mode: Mode, utc: Bool) -> String {
        // journalctl prefers the time the sender stamped over the time journald received it.
        let time = entry["_SOURCE_REALTIME_TIMESTAMP"].flatMap { UInt64($0) } ?? entry.realtime
        var prefix = stamp(entry, time, mode: mode, utc: utc)
        if let host = entry["_HOSTNAME"] { prefix += " " + host }
        let identifier = entry["SYSLOG_IDENTIFIER"] ?? entry["_COMM"]
        if let identifier {
            prefix += " " + identifier
            if let pid = entry["SYSLOG_PID"] ?? entry["_PID"] { prefix += "[\(pid)]" }
        }
        prefix += ": "
        // Continuation lines line up under the first line's text.
        let indent = String(repeating: " ", count: prefix.count)
        let lines = entry.message.split(separator: "\n", omittingEmptySubsequences: false)
        return prefix + lines.joined(separator: "\n" + indent)
    }

    /// The line's time as journalctl prints it in `mode`.
    private static func stamp(_ entry: JournalEntry, _ microseconds: UInt64, mode: Mode, utc: Bool) -> String {
        let fraction = "." + sixDigits(microseconds % 1_000_000)
        switch mode {
        case .shortPrecise: return timestamp(microseconds, "%b %d %H:%M:%S", utc: utc) + fraction
        case .shortISO: return timestamp(microseconds, "%Y-%m-%dT%H:%M:%S%z", utc: utc)
        case .shortISOPrecise:
            return timestamp(microseconds, "%Y-%m-%dT%H:%M:%S", utc: utc) + fraction + timestamp(microseconds, "%z", utc: utc)
        case .shortFull: return timestamp(microseconds, utc ? "%a %Y-%m-%d %H:%M:%S UTC" : "%a %Y-%m-%d %H:%M:%S %Z", utc: utc)
        case .shortUnix:
            let seconds = String(microseconds / 1_000_000)
            return String(repeating: " ", count: max(0, 10 - seconds.count)) + seconds + fraction
        case .shortMonotonic:
            let since = entry["_SOURCE_MONOTONIC_TIMESTAMP"].flatMap { UInt64($0) } ?? entry.monotonic
            let seconds = String(since / 1_000_000)
            return "[" + String(repeating: " ", count: max(0, 5 - seconds.count)) + seconds + "." + sixDigits(since % 1_000_000) + "]"
        default: return timestamp(microseconds, "%b %d %H:%M:%S", utc: utc)
        }
    }

    private static func sixDigits(_ value: UInt64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    private static func timestamp(_ microseconds: UInt64, _ format: String, utc: Bool) -> String {
        var seconds = time_t(microseconds / 1_000_000)
        var parts = tm()
        if utc { gmtime_r(&seconds, &parts) } else { localtime_r(&seconds, &parts) }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func json(_ entry: JournalEntry) -> String {
        var pairs: [(String, String)] = [
            ("__CURSOR", quoted(Array(entry.cursor.utf8))),
            ("__REALTIME_TIMESTAMP", quoted(Array(String(entry.realtime).utf8))),
            ("__MONOTONIC_TIMESTAMP", quoted(Array(String(entry.monotonic).utf8))),
            ("_BOOT_ID", quoted(Array(entry.bootID.utf8))),
        ]
        // A field that repeats becomes an array of its values, at its first position.
        var order: [String] = []
        var values: [String: [[UInt8]]] = [:]
        for field in entry.fields where field.name != "_BOOT_ID" {
            if values[field.name] == nil { order.append(field.name) }
            values[field.name, default: []].append(field.value)
        }
        for name in order {
            let all = values[name]!.map(value)
            pairs.append((name, all.count == 1 ? all[0] : "[" + all.joined(separator: ",") + "]"))
        }
        return "{" + pairs.map { "\(quoted(Array($0.0.utf8))):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A field value: a JSON string when it is printable UTF-8, else an array of byte values
    /// (journalctl's rule for binary data).
    private static func value(_ bytes: [UInt8]) -> String {
        let printable = bytes.allSatisfy { $0 >= 0x20 || $0 == 0x09 || $0 == 0x0a } && String(validating: bytes, as: UTF8.self) != nil
        guard printable else { return "[" + bytes.map(String.init).joined(separator: ",") + "]" }
        return quoted(bytes)
    }

    private static func quoted(_ bytes: [UInt8]) -> String {
        var text = "\""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case "\r": text += "\\r"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }
}
