import Foundation

/// An opaque pagination cursor: where the next page starts. Clients pass it back unchanged;
/// anything that does not decode to a cursor of the same collection is refused (400).
struct PageToken: Sendable, Hashable {
    /// The collection the token belongs to (`units`, `state`, `machines`).
    var collection: String
    /// The last item of the previous page.
    var after: String

    /// The token's text: URL-safe base64 of `v1 <collection> <after>`.
    var encoded: String {
        Data("v1 \(collection) \(after)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes a token of `collection`.
    /// - Returns: nil when the text is not such a token.
    init?(decoding text: String, collection: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8) else { return nil }
        let parts = plain.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", parts[1] == collection, !parts[2].isEmpty else { return nil }
        self.collection = collection
        after = String(parts[2])
    }

    init(collection: String, after: String) {
        self.collection = collection
        self.after = after
    }
}
