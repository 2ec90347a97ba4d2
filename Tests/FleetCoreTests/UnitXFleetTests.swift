import Testing
@testable import FleetCore

private func xfleet(_ body: String, name: String? = "web@1.service") throws -> XFleetOptions {
    let file = try UnitFile(parsing: "[Service]\nExecStart=/bin/true\n\n[X-Fleet]\n" + body)
    return try XFleetOptions(unitFile: file, name: name.map { try UnitName($0) })
}

private func requirementsError(_ body: String, name: String? = "web@1.service") -> UnitRequirementsError.Kind? {
    do {
        _ = try xfleet(body, name: name)
        return nil
    } catch let error as UnitRequirementsError {
        return error.kind
    } catch {
        Issue.record("unexpected \(error)")
        return nil
    }
}

@Test func noXFleetSectionMeansNoConstraints() throws {
    let file = try UnitFile(parsing: "[Service]\nExecStart=/bin/true\n")
    #expect(try UnitRequirements(unitFile: file, name: nil) == .none)
}

@Test func everyOptionMapsToTheRequirements() throws {
    let r = try xfleet("""
        MachineID=0123456789abcdef0123456789abcdef
        MachineMetadata=region=eu
        """).requirements
    #expect(r.machineID == "0123456789abcdef0123456789abcdef")
    #expect(r.metadata == ["region": ["eu"]])

    let s = try xfleet("""
        MachineOf=db.service
        Conflicts=web@*.service
        Conflicts=cache*
        """).requirements
    #expect(s.machineOf == ["db.service"])
    #expect(s.conflicts == ["web@*.service", "cache*"])
    #expect(!s.global)

    let g = try xfleet("Global=true\nMachineMetadata=role=edge\n").requirements
    #expect(g.global)
    #expect(g.metadata == ["role": ["edge"]])

    #expect(try xfleet("Replaces=old.service\n").requirements.replaces == ["old.service"])
}

@Test func deprecatedAliasesAreFoldedIn() throws {
    let r = try xfleet("""
        X-ConditionMachineOf=a.service
        MachineOf=b.service
        X-ConditionMachineMetadata=region=eu
        MachineMetadata=region=us
        """).requirements
    #expect(r.machineOf == ["a.service", "b.service"])
    #expect(r.metadata == ["region": ["eu", "us"]])
    #expect(try xfleet("X-Conflicts=a*\nConflicts=b*\n").requirements.conflicts == ["a*", "b*"])
    #expect(try xfleet("X-ConditionMachineID=m2\n").requirements.machineID == "m2")
    #expect(try xfleet("X-ConditionMachineBootID=m3\n").requirements.machineID == "m3")
    // The modern key wins over the deprecated one; among one key the first value wins.
    #expect(try xfleet("X-ConditionMachineID=old\nMachineID=new\nMachineID=later\n").requirements.machineID == "new")
}

@Test func machineMetadataQuotingAndMultipleLines() throws {
    let r = try xfleet("""
        MachineMetadata="region=us-east-1" "diskType=SSD"
        MachineMetadata=region=us-west-1
        """).requirements
    // AND across keys (two keys), OR among one key's values (two regions).
    #expect(r.metadata == ["region": ["us-east-1", "us-west-1"], "diskType": ["SSD"]])
}

@Test func malformedMetadataItemsAreIgnoredWithAWarning() throws {
    let x = try xfleet("MachineMetadata=\"a=b=c\" \"=x\" \"novalue\" \"k=\" \"ok=1\"\n")
    #expect(x.requirements.metadata == ["ok": ["1"]])
    #expect(x.warnings.count == 4)
    #expect(x.warnings[0].contains("a=b=c"))
}

@Test func multivalueSplittingFollowsTheOriginal() {
    #expect(XFleetOptions.splitMultivalue("a=b c=d") == ["a=b c=d"])  // not quoted: one item
    #expect(XFleetOptions.splitMultivalue("\"a=b c\" \"d=e\"") == ["a=b c", "d=e"])
    #expect(XFleetOptions.splitMultivalue("\"a\"  \"b\"") == ["a", "", "b"])
    #expect(XFleetOptions.splitMultivalue("\"a\" b") == ["\"a\" b"])  // must also end with a quote
    #expect(XFleetOptions.splitMultivalue("\"x\"") == ["x"])
}

@Test func quotedListsWorkForEveryOption() throws {
    let r = try xfleet("Conflicts=\"a*\" \"b*\"\n").requirements
    #expect(r.conflicts == ["a*", "b*"])
    #expect(try xfleet("Global=\"true\"\n").requirements.global)
}

@Test func specifiersAreExpanded() throws {
    let r = try xfleet("MachineOf=%p-db@%i.service\nConflicts=%n\n", name: "web@7.service").requirements
    #expect(r.machineOf == ["web-db@7.service"])
    #expect(r.conflicts == ["web@7.service"])
    #expect(try xfleet("Replaces=%N.old.service\n", name: "web@7.service").requirements.replaces == ["web@7.old.service"])

    let plain = try xfleet("MachineOf=%p.socket\n", name: "foo.service").requirements
    #expect(plain.machineOf == ["foo.socket"])
}

@Test func specifierExpansionDetails() throws {
    let name = try UnitName("a@b.service")
    #expect(XFleetOptions.expandSpecifiers("%n|%N|%p|%i", name: name) == "a@b.service|a@b|a|b")
    #expect(XFleetOptions.expandSpecifiers("%x %% 100%", name: name) == "%x %% 100%")
    #expect(XFleetOptions.expandSpecifiers("%%n", name: name) == "%a@b.service")
    #expect(XFleetOptions.expandSpecifiers("[%i]", name: try UnitName("plain.service")) == "[]")
    // Without a name nothing is expanded.
    #expect(try xfleet("MachineOf=%p.socket\n", name: nil).requirements.machineOf == ["%p.socket"])
}

@Test func globalAcceptsTheOriginalsTruthyValues() throws {
    for yes in ["true", "TRUE", "yes", "1", "on", "t", "T"] {
        #expect(try xfleet("Global=\(yes)\n").requirements.global, "\(yes)")
    }
    for no in ["false", "0", "no", "off", "enabled", ""] {
        #expect(try !xfleet("Global=\(no)\n").requirements.global, "\(no)")
    }
    // The last value decides.
    #expect(try !xfleet("Global=true\nGlobal=false\n").requirements.global)
}

@Test func unknownKeysAreWarningsNotErrors() throws {
    let x = try xfleet("Weight=5\nMachineOf=db.service\nFoo=bar\n")
    #expect(x.requirements.machineOf == ["db.service"])
    #expect(x.warnings == [
        "unrecognized requirement in [X-Fleet] section: \"Weight\"",
        "unrecognized requirement in [X-Fleet] section: \"Foo\"",
    ])
}

@Test func globalWithAnyOtherOptionButMetadataAndConflictsIsInvalid() {
    #expect(requirementsError("Global=true\nMachineOf=a.service\n") == .globalWithOtherOptions(["MachineOf"]))
    #expect(requirementsError("Global=true\nMachineID=m\nConflicts=x*\n") == .globalWithOtherOptions(["MachineID"]))
    #expect(requirementsError("Global=yes\nReplaces=a.service\n") == .globalWithOtherOptions(["Replaces"]))
    #expect(requirementsError("Global=true\nX-ConditionMachineOf=a.service\n") == .globalWithOtherOptions(["MachineOf"]))
    #expect(requirementsError("Global=true\nMachineMetadata=a=b\n") == nil)
    #expect(requirementsError("Global=true\nConflicts=db@*.service\nMachineMetadata=a=b\n") == nil)
    #expect(requirementsError("Global=false\nMachineOf=a.service\n") == nil)
}

@Test func replacesWithConflictsIsInvalid() {
    #expect(requirementsError("Replaces=a.service\nConflicts=b*\n") == .replacesWithConflicts)
    #expect(requirementsError("Replaces=a.service\nMachineMetadata=a=b\n") == nil)
}

@Test func originalAPIChecksOnMachineIDAndConflicts() {
    #expect(requirementsError("MachineID=m\nMachineOf=a.service\n") == .machineIDWithMachineOf)
    #expect(requirementsError("MachineID=m\nConflicts=a*\n") == .machineIDWithConflicts)
    #expect(requirementsError("MachineOf=db.service\nConflicts=d*\n") == .machineOfMatchesConflict(unit: "db.service", pattern: "d*"))
    #expect(requirementsError("MachineOf=db.service\nConflicts=x*\n") == nil)
}

@Test func selfReferencesAreCircular() {
    #expect(requirementsError("MachineOf=%n\n", name: "a.service") == .circularMachineOf(["a.service", "a.service"]))
    #expect(requirementsError("Replaces=a.service\n", name: "a.service") == .circularReplaces(["a.service", "a.service"]))
}

@Test func emptyValuesAndBadGlobsAreErrors() {
    #expect(requirementsError("MachineOf=\n") == .emptyValue(option: "MachineOf"))
    #expect(requirementsError("MachineID=\n") == .emptyValue(option: "MachineID"))
    #expect(requirementsError("Conflicts=\"a*\"  \"b*\"\n") == .emptyValue(option: "Conflicts"))
    #expect(requirementsError("Replaces=\n") == .emptyValue(option: "Replaces"))
    #expect(requirementsError("Conflicts=web[\n") == .badConflictsPattern("web["))
}

@Test func requirementsErrorsNameTheUnit() {
    let e = UnitRequirementsError(unit: "a.service", kind: .replacesWithConflicts)
    #expect(e.description == "unit a.service: Replaces cannot be used with Conflicts")
}
