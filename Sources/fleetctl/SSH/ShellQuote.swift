import Foundation
/// Quoting for the remote shell: sshd hands the command line to the user's shell, so every word
/// fleetctl sends is single-quoted and cannot run anything it does not name.
enum ShellQuote {
    /// One word in single quotes; a single quote inside becomes `'\''`.
    static func word(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// A command line of quoted words separated by spaces.
    static func command(_ words: [String]) -> String {
        words.map(word).joined(separator: " ")
    }
}
