/// A glob over unit names with Go `path.Match` semantics, as the original used for
/// `Conflicts=` patterns: `*` (any run of characters except `/`), `?` (one character except
/// `/`), `[abc]`, `[a-z]`, `[^…]`, and `\` escaping the next character.
public struct UnitNameGlob: Sendable, Hashable, CustomStringConvertible {
    private enum Token: Sendable, Hashable {
        case literal(Unicode.Scalar)
        case one
        case star
        case set(negated: Bool, ranges: [ClosedRange<UInt32>])
    }

    /// The pattern as written.
    public let pattern: String
    private let tokens: [Token]

    /// Compiles a pattern.
    /// - Parameter pattern: the glob.
    /// - Returns: nil when the pattern is malformed (Go's `ErrBadPattern`: an unterminated
    ///   `[`, an empty class, a trailing `\`, a `-` or `]` where a class character is expected).
    public init?(_ pattern: String) {
        var tokens: [Token] = []
        var it = Array(pattern.unicodeScalars)[...]
        func escaped() -> Unicode.Scalar? {
            guard let c = it.popFirst() else { return nil }
            if c == "-" || c == "]" { return nil }
            if c == "\\" { return it.popFirst() }
            return c
        }
        while let c = it.popFirst() {
            switch c {
            case "*":
                if tokens.last != .star { tokens.append(.star) }
            case "?":
                tokens.append(.one)
            case "\\":
                guard let next = it.popFirst() else { return nil }
                tokens.append(.literal(next))
            case "[":
                var negated = false
                if it.first == "^" {
                    negated = true
                    it.removeFirst()
                }
                var ranges: [ClosedRange<UInt32>] = []
                while true {
                    if it.first == "]" && !ranges.isEmpty {
                        it.removeFirst()
                        break
                    }
                    guard let lo = escaped() else { return nil }
                    var hi = lo
                    if it.first == "-" {
                        it.removeFirst()
                        guard let h = escaped() else { return nil }
                        hi = h
                    }
                    // Go accepts lo > hi and then matches nothing in that range; so do we
                    // (UInt32.max is no Unicode scalar).
                    ranges.append(lo.value <= hi.value ? lo.value...hi.value : UInt32.max...UInt32.max)
                }
                tokens.append(.set(negated: negated, ranges: ranges))
            default:
                tokens.append(.literal(c))
            }
        }
        self.pattern = pattern
        self.tokens = tokens
    }

    /// The pattern as written.
    public var description: String { pattern }

    /// Whether `name` matches the whole pattern.
    /// - Parameter name: a unit name.
    /// - Returns: true on a match.
    public func matches(_ name: String) -> Bool {
        let s = Array(name.unicodeScalars)
        var p = 0
        var i = 0
        var starP = -1
        var starI = 0
        while i < s.count {
            if p < tokens.count, tokens[p] == .star {
                starP = p
                starI = i
                p += 1
                continue
            }
            if p < tokens.count, Self.matchOne(tokens[p], s[i]) {
                p += 1
                i += 1
                continue
            }
            // Backtrack: let the last star swallow one more character (never a `/`).
            if starP >= 0 && s[starI] != "/" {
                starI += 1
                i = starI
                p = starP + 1
                continue
            }
            return false
        }
        while p < tokens.count, tokens[p] == .star { p += 1 }
        return p == tokens.count
    }

    private static func matchOne(_ token: Token, _ c: Unicode.Scalar) -> Bool {
        switch token {
        case .literal(let l): return l == c
        case .one: return c != "/"
        case .star: return false
        case .set(let negated, let ranges):
            let inSet = ranges.contains { $0.contains(c.value) }
            return inSet != negated
        }
    }
}
