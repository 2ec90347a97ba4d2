import Testing
@testable import FleetCore

private func match(_ pattern: String, _ name: String) -> Bool {
    Glob(pattern).isValid && Glob(pattern).matches(name)
}

@Test func globStarQuestionAndLiterals() {
    #expect(match("*", "anything.service"))
    #expect(match("web*", "web@1.service"))
    #expect(!match("web*", "db.service"))
    #expect(match("*.service", "a.service"))
    #expect(!match("*.service", "a.socket"))
    #expect(match("a?c.service", "abc.service"))
    #expect(!match("a?c.service", "ac.service"))
    #expect(match("a*b*c", "aXXbYYc"))
    #expect(!match("a*b*c", "aXXbYY"))
    #expect(match("exact.service", "exact.service"))
    #expect(!match("exact.service", "exact.service2"))
    #expect(!match("*", "a/b"))  // path.Match: * never crosses "/"
}

@Test func globClassesAndEscapes() {
    #expect(match("web[0-9].service", "web7.service"))
    #expect(!match("web[0-9].service", "webx.service"))
    #expect(match("web[^0-9].service", "webx.service"))
    #expect(!match("web[^0-9].service", "web1.service"))
    #expect(match("a[bc]d", "acd"))
    #expect(match("a\\*", "a*"))
    #expect(!match("a\\*", "ab"))
    #expect(match("[\\]]", "]"))
}

@Test func malformedGlobsAreRejected() {
    for bad in ["[", "[a", "[]", "[^]", "a\\", "[a-", "[-a]", "[a-]"] {
        #expect(!Glob(bad).isValid, "\(bad)")
    }
}

@Test func reversedRangesMatchNothingLikeGo() {
    #expect(!match("[z-a]", "m"))
    #expect(match("[^z-a]", "m"))
}
