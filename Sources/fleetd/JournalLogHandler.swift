import Foundation
import Logging

/// A swift-log handler writing one line per message to stderr, prefixed with the syslog
/// priority (`<3>` error … `<7>` debug, sd-daemon(3)) so journald records each line's level.
struct JournalLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let label: String

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The sd-daemon prefix of a level.
    static func prefix(_ level: Logger.Level) -> String {
        switch level {
        case .critical: "<2>"
        case .error: "<3>"
        case .warning: "<4>"
        case .notice: "<5>"
        case .info: "<6>"
        case .debug, .trace: "<7>"
        }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        var text = Self.prefix(event.level) + event.message.description
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        // One write per line, so lines from concurrent tasks never interleave.
        FileHandle.standardError.write(Data((text.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
    }
}

extension Logger.Level {
    /// fleet's `verbosity`: 0 logs info and above, 1 and more add debug, 2 and more trace.
    init(verbosity: Int) {
        self = verbosity >= 2 ? .trace : verbosity >= 1 ? .debug : .info
    }
}
