import Testing
@testable import FleetCore

struct GlobCase: Sendable, CustomStringConvertible {
    let pattern: String
    let name: String
    let matches: Bool
    var description: String { "\(pattern) ~ \(name)" }
}

// Expectations follow Go's path.Match, which the original fleet used for Conflicts=.
@Test(arguments: [
    GlobCase(pattern: "web.service", name: "web.service", matches: true),
    GlobCase(pattern: "web.service", name: "web.servic", matches: false),
    GlobCase(pattern: "web.service", name: "web.services", matches: false),
    GlobCase(pattern: "web*", name: "web@1.service", matches: true),
    GlobCase(pattern: "web*", name: "web", matches: true),
    GlobCase(pattern: "web*", name: "db.service", matches: false),
    GlobCase(pattern: "*.service", name: "a.service", matches: true),
    GlobCase(pattern: "*.service", name: "a.socket", matches: false),
    GlobCase(pattern: "*@*.service", name: "web@1.service", matches: true),
    GlobCase(pattern: "*@*.service", name: "web.service", matches: false),
    GlobCase(pattern: "a*b*c", name: "axxbyyc", matches: true),
    GlobCase(pattern: "a*b*c", name: "axxbyyd", matches: false),
    GlobCase(pattern: "a*b", name: "abab", matches: true),
    GlobCase(pattern: "**", name: "anything", matches: true),
    GlobCase(pattern: "*", name: "", matches: true),
    GlobCase(pattern: "web?.service", name: "web1.service", matches: true),
    GlobCase(pattern: "web?.service", name: "web12.service", matches: false),
    GlobCase(pattern: "web?.service", name: "web.service", matches: false),
    GlobCase(pattern: "web[0-9].service", name: "web7.service", matches: true),
    GlobCase(pattern: "web[0-9].service", name: "webx.service", matches: false),
    GlobCase(pattern: "web[^0-9].service", name: "webx.service", matches: true),
    GlobCase(pattern: "web[^0-9].service", name: "web7.service", matches: false),
    GlobCase(pattern: "web[abc].service", name: "webb.service", matches: true),
    GlobCase(pattern: "web[a-cx-z].service", name: "weby.service", matches: true),
    GlobCase(pattern: "web[a-cx-z].service", name: "webm.service", matches: false),
    GlobCase(pattern: "web[z-a].service", name: "webm.service", matches: false),
    GlobCase(pattern: "web[\\]].service", name: "web].service", matches: true),
    GlobCase(pattern: "web\\*.service", name: "web*.service", matches: true),
    GlobCase(pattern: "web\\*.service", name: "web1.service", matches: false),
    GlobCase(pattern: "*", name: "a/b", matches: false),
    GlobCase(pattern: "a?b", name: "a/b", matches: false),
    GlobCase(pattern: "*/b", name: "a/b", matches: true),
    // Malformed patterns never match.
    GlobCase(pattern: "web[", name: "web[", matches: false),
    GlobCase(pattern: "web[]", name: "web]", matches: false),
    GlobCase(pattern: "web[a-]", name: "weba", matches: false),
    GlobCase(pattern: "web\\", name: "web\\", matches: false),
    GlobCase(pattern: "[-a]", name: "a", matches: false),
])
func globMatchesLikeGoPathMatch(_ c: GlobCase) {
    #expect(Glob(c.pattern).matches(c.name) == c.matches)
}

@Test func malformedGlobsSayTheyAreInvalid() {
    #expect(Glob("web[").isValid == false)
    #expect(Glob("web[]").isValid == false)
    #expect(Glob("web\\").isValid == false)
    #expect(Glob("web[a-z]*").isValid)
    #expect(Glob("plain.service").isValid)
}
