/// Parsers for values written the way the original (Go) fleet read them, so existing
/// configuration files and environments keep working.
public enum GoValues {
    /// Go's `strconv.ParseBool`: 1 t T TRUE true True / 0 f F FALSE false False.
    public static func bool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    /// Go's `time.ParseDuration`: a sequence of decimal numbers with units
    /// (`ns us µs ms s m h`), optionally signed: `30s`, `1m30s`, `1.5h`, `0`.
    public static func duration(_ text: String) -> Duration? {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return .zero }
        guard !rest.isEmpty else { return nil }
        var totalNanoseconds: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs", "μs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return nil
            }
            totalNanoseconds += value * scale
        }
        let duration = Duration.nanoseconds(Int64(totalNanoseconds.rounded()))
        return negative ? .zero - duration : duration
    }

    /// Formats a duration as Go prints one (`30s`, `1m30s`, `500ms`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds == 0 && attoseconds == 0 { return "0s" }
        if seconds == 0 {
            let nanoseconds = attoseconds / 1_000_000_000
            if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
            if nanoseconds % 1_000 == 0 { return "\(nanoseconds / 1_000)µs" }
            return "\(nanoseconds)ns"
        }
        var text = ""
        var remaining = seconds
        if remaining >= 3600 { text += "\(remaining / 3600)h"; remaining %= 3600 }
        if remaining >= 60 || (!text.isEmpty && (remaining > 0 || attoseconds > 0)) {
            text += "\(remaining / 60)m"
            remaining %= 60
        }
        if attoseconds == 0 {
            if remaining > 0 || text.isEmpty { text += "\(remaining)s" }
        } else {
            var fraction = String(attoseconds / 1_000_000_000 + 1_000_000_000).dropFirst()
            while fraction.last == "0" { fraction = fraction.dropLast() }
            text += "\(remaining).\(fraction)s"
        }
        return text
    }
}
