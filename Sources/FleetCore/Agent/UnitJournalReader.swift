/// Reads a unit's journal on this machine, for the API's journal endpoint. fleetd plugs in one
/// built on sd-journal; tests use their own.
public protocol UnitJournalReader: Sendable {
    /// The `output` modes it can format (`short`, `json`, `cat`…).
    var outputModes: [String] { get }

    /// The unit's journal as text: the last `lines` entries, then, with `follow`, each new
    /// entry as it arrives. Every element is one or more whole lines, each ending in `\n`.
    /// - Throws: when the journal cannot be opened or read.
    func journal(of unit: String, lines: Int, follow: Bool, output: String) async throws -> AsyncThrowingStream<String, any Error>
}
