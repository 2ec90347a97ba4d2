public import FleetCore
import SystemdBridge

/// Reads units' journals through sd-journal (SystemdBridge's `Journal`) for the API's journal
/// endpoint. Each request opens its own `Journal`: one read position per follow.
public struct SystemdJournalReader: UnitJournalReader {
    public init() {}

    public var outputModes: [String] { JournalFormatter.Mode.allCases.map(\.rawValue) }

    public func journal(of unit: String, lines: Int, follow: Bool, output: String) async throws -> AsyncThrowingStream<String, any Error> {
        let mode = JournalFormatter.Mode(rawValue: output) ?? .short
        let journal = try await Journal.open()
        guard follow else {
            let entries: [JournalEntry]
            do {
                entries = try await journal.entries(unit: unit, last: lines)
            } catch {
                await journal.close()
                throw error
            }
            await journal.close()
            let text = entries.map { JournalFormatter.format($0, mode: mode) + "\n" }.joined()
            return AsyncThrowingStream { continuation in
                if !text.isEmpty { continuation.yield(text) }
                continuation.finish()
            }
        }
        let entries = try await journal.follow(unit: unit, last: lines)
        let (stream, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let relay = Task {
            do {
                for try await entry in entries { continuation.yield(JournalFormatter.format(entry, mode: mode) + "\n") }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
            await journal.close()
        }
        continuation.onTermination = { _ in relay.cancel() }
        return stream
    }
}
