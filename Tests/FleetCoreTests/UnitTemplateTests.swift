import Testing
@testable import FleetCore

private let template = UnitFile(options: [UnitOption(section: "Service", name: "ExecStart", value: "/bin/echo %i")])

@Test func instanceResolvesToItsTemplatesContents() throws {
    var asked: [String] = []
    let file = try UnitFile.resolvingInstance(try UnitName("hello@8080.service")) { name in
        asked.append(name.rawValue)
        return name.rawValue == "hello@.service" ? template : nil
    }
    #expect(file == template)
    #expect(asked == ["hello@.service"])
}

@Test func missingTemplateIsAnError() throws {
    let instance = try UnitName("hello@1.service")
    #expect(throws: UnitTemplateError(unit: instance, kind: .templateNotFound(try UnitName("hello@.service")))) {
        try UnitFile.resolvingInstance(instance) { _ in nil }
    }
}

@Test func onlyInstancesResolve() throws {
    for name in ["hello.service", "hello@.service"] {
        let unit = try UnitName(name)
        #expect(throws: UnitTemplateError(unit: unit, kind: .notAnInstance)) {
            try UnitFile.resolvingInstance(unit) { _ in template }
        }
    }
}

@Test func asyncLookupResolvesToo() async throws {
    let file = try await UnitFile.resolvingInstance(try UnitName("web@a.socket")) { (name: UnitName) async throws -> UnitFile? in
        name.rawValue == "web@.socket" ? template : nil
    }
    #expect(file == template)
}
