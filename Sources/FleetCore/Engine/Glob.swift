/// A shell-style name pattern as used by `Conflicts=`, with the semantics of Go's `path.Match`
/// (which the original fleet used): `*` matches any run of characters except `/`, `?` one
/// character except `/`, `[...]` one character from a class (`[^...]` negated, `a-z` ranges),
/// and `\` escapes the next character.
///
/// A malformed pattern (unclosed `[`, empty class, trailing `\`, a range missing an end) never
/// matches anything, as `path.Match` reports `ErrBadPattern` instead of a match; `isValid` says so.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    private enum Token: Sendable, Hashable {
        case literal(Unicode.Scalar)
        case any
        case star
        case set(negated: Bool, ranges: [ClosedRange<UInt32>])
    }

    /// The pattern as written.
    public let pattern: String
    /// False when the pattern is malformed; such a pattern matches nothing.
    public let isValid: Bool
    private let tokens: [Token]
    /// True when the pattern has no wildcard: matching is then a plain comparison.
    private let isLiteral: Bool

    /// Compiles a pattern.
    /// - Parameter pattern: the glob, e.g. `web@*.service`.
    public init(_ pattern: String) {
        self.pattern = pattern
        if let tokens = Glob.compile(Array(pattern.unicodeScalars)) {
            self.tokens = tokens
            self.isValid = true
            self.isLiteral = tokens.allSatisfy { if case .literal = $0 { true } else { false } }
        } else {
            self.tokens = []
            self.isValid = false
            self.isLiteral = false
        }
    }

    public var description: String { pattern }

    /// For a pattern without wildcards, the one name it matches (escapes removed); else nil.
    var literalName: String? {
        guard isLiteral else { return nil }
        var name = ""
        for case .literal(let c) in tokens { name.unicodeScalars.append(c) }
        return name
    }

    /// Whether `name` matches the whole pattern.
    /// - Parameter name: a unit name.
    /// - Returns: true on a match; always false for a malformed pattern.
    public func matches(_ name: String) -> Bool {
        guard isValid else { return false }
        if isLiteral { return tokensEqual(Array(name.unicodeScalars)) }
        return match(Array(name.unicodeScalars))
    }

    /// Same as `matches(_:)` on a name already split into Unicode scalars (the scheduler keeps
    /// names in this form so that matching allocates nothing).
    func matches(scalars name: [Unicode.Scalar]) -> Bool {
        guard isValid else { return false }
        if isLiteral { return tokensEqual(name) }
        return match(name)
    }

    private func tokensEqual(_ name: [Unicode.Scalar]) -> Bool {
        guard name.count == tokens.count else { return false }
        for (i, token) in tokens.enumerated() {
            guard case .literal(let c) = token, c == name[i] else { return false }
        }
        return true
    }

    private static let separator: Unicode.Scalar = "/"

    /// Greedy matching that backtracks to the most recent `*` only: enough because a `*` never
    /// crosses `/`, so an earlier star can never need to grow past a later one.
    private func match(_ name: [Unicode.Scalar]) -> Bool {
        var t = 0, n = 0
        var starToken = -1, starName = 0
        while n < name.count {
            if t < tokens.count {
                switch tokens[t] {
                case .star:
                    starToken = t
                    starName = n
                    t += 1
                    continue
                case .any:
                    if name[n] != Glob.separator { t += 1; n += 1; continue }
                case .literal(let c):
                    if c == name[n] { t += 1; n += 1; continue }
                case .set(let negated, let ranges):
                    let v = name[n].value
                    if ranges.contains(where: { $0.contains(v) }) != negated { t += 1; n += 1; continue }
                }
            }
            // Mismatch: let the last star swallow one more character, if it may.
            guard starToken >= 0, name[starName] != Glob.separator else { return false }
            starName += 1
            n = starName
            t = starToken + 1
        }
        while t < tokens.count, case .star = tokens[t] { t += 1 }
        return t == tokens.count
    }

    private static func compile(_ p: [Unicode.Scalar]) -> [Token]? {
        var tokens: [Token] = []
        var i = 0
        while i < p.count {
            switch p[i] {
            case "*":
                if tokens.last != .star { tokens.append(.star) }
                i += 1
            case "?":
                tokens.append(.any)
                i += 1
            case "\\":
                guard i + 1 < p.count else { return nil }
                tokens.append(.literal(p[i + 1]))
                i += 2
            case "[":
                i += 1
                var negated = false
                if i < p.count, p[i] == "^" { negated = true; i += 1 }
                var ranges: [ClosedRange<UInt32>] = []
                var count = 0
                while true {
                    if i < p.count, p[i] == "]", count > 0 { i += 1; break }
                    guard let lo = classChar(p, &i) else { return nil }
                    var hi = lo
                    if i < p.count, p[i] == "-" {
                        i += 1
                        guard let h = classChar(p, &i) else { return nil }
                        hi = h
                    }
                    // Go accepts an inverted range (`[z-a]`) and simply never matches it.
                    if lo <= hi { ranges.append(lo...hi) }
                    count += 1
                }
                tokens.append(.set(negated: negated, ranges: ranges))
            default:
                tokens.append(.literal(p[i]))
                i += 1
            }
        }
        return tokens
    }

    /// One character of a class (`getEsc` in Go): not `-` or `]` unescaped, and something must follow.
    private static func classChar(_ p: [Unicode.Scalar], _ i: inout Int) -> UInt32? {
        guard i < p.count, p[i] != "-", p[i] != "]" else { return nil }
        if p[i] == "\\" {
            i += 1
            guard i < p.count else { return nil }
        }
        let c = p[i].value
        i += 1
        guard i < p.count else { return nil }
        return c
    }
}
