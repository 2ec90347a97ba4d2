import Testing
import FleetCore

@Suite struct UnitNameRulesTests {
    @Test(arguments: [
        "hello.service", "web@.service", "web@1.service", "a:b_c.d-e.socket", "x@y@z.timer", "data.mount",
        "db@.target", "node@10.0.0.1.path",
    ])
    func acceptsValidNames(_ name: String) throws {
        try UnitNameRules.validate(name)
    }

    @Test(arguments: [
        ("../etc/passwd.service", "character \"/\""),
        ("a/b.service", "character \"/\""),
        ("hello", "no type suffix"),
        ("hello.conf", "unknown unit type \"conf\""),
        (".service", "empty name"),
        ("@x.service", "empty name"),
        ("web@.slice", "slice units cannot be templates"),
        ("hé.service", "character \"é\""),
        ("a b.service", "character \" \""),
    ])
    func rejectsInvalidNamesSayingWhy(_ name: String, _ why: String) {
        #expect {
            try UnitNameRules.validate(name)
        } throws: { error in
            guard let error = error as? UnitManagerError else { return false }
            return error.code == .invalidName && error.unit == name && error.message.contains(why)
        }
    }

    @Test func rejectsOverlongNames() {
        let name = String(repeating: "a", count: 250) + ".service"
        #expect(throws: UnitManagerError.self) { try UnitNameRules.validate(name) }
    }

    @Test func knowsTemplatesAndTheirInstances() {
        #expect(UnitNameRules.isTemplate("web@.service"))
        #expect(!UnitNameRules.isTemplate("web@1.service"))
        #expect(!UnitNameRules.isTemplate("web.service"))
        #expect(UnitNameRules.template(ofInstance: "web@1.service") == "web@.service")
        #expect(UnitNameRules.template(ofInstance: "node@10.0.0.1.path") == "node@.path")
        #expect(UnitNameRules.template(ofInstance: "web@.service") == nil)
        #expect(UnitNameRules.template(ofInstance: "web.service") == nil)
    }

    @Test func systemdStatesReadAsSystemdReportsThem() {
        let state = SystemdUnitState(loadState: "loaded", activeState: "active", subState: "running")
        #expect(state.isLoaded && state.isActive && !state.isFailed)
        #expect(state.description == "loaded/active/running")
        #expect(SystemdUnitState.notFound.description == "not-found/inactive/dead")
    }
}
