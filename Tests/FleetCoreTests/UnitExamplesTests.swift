import Foundation
import Testing
@testable import FleetCore

/// The example units shipped in examples/ parse, hash and schedule as documented.
private func example(_ file: String) throws -> UnitFile {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let text = try String(contentsOf: root.appendingPathComponent("examples/\(file)"), encoding: .utf8)
    return try UnitFile(parsing: text)
}

@Test func helloExampleHashesAsItsCanonicalForm() throws {
    let hello = try example("hello.service")
    // printf '[Unit]\nDescription=Hello World\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo Hello World; sleep 5; done"\n' | sha1sum
    #expect(hello.hash.hex == "f91d641eedb177590d9d57b8977c913b6faabf06")
    #expect(hello.unitDescription == "Hello World")
    #expect(try UnitRequirements(unitFile: hello, name: UnitName("hello.service")) == .none)
}

@Test func templateExampleResolvesForInstances() throws {
    let template = try example("hello@.service")
    let instance = try UnitName("hello@2.service")
    let file = try UnitFile.resolvingInstance(instance) { $0.rawValue == "hello@.service" ? template : nil }
    #expect(try UnitRequirements(unitFile: file, name: instance).conflicts == ["hello@*.service"])
}

@Test func schedulingExampleKeepsContinuationsAndReadsXFleet() throws {
    let monitor = try example("web-monitor.service")
    // sha1sum of the canonical text: the file without its comment lines, continuations kept.
    #expect(monitor.hash.hex == "6a7b39827f064869d0593f3ebed64abaef9d697e")
    #expect(monitor.hasInstallSection)
    let r = try UnitRequirements(unitFile: monitor, name: UnitName("web-monitor.service"))
    #expect(r.machineOf == ["web@1.service"])
    #expect(r.metadata == ["region": ["us-east", "us-west"], "disktype": ["ssd"]])
    #expect(r.conflicts == ["web-monitor*.service"])
}

@Test func globalExampleIsGlobalWithMetadata() throws {
    let r = try UnitRequirements(unitFile: example("node-exporter.service"), name: UnitName("node-exporter.service"))
    #expect(r.global)
    #expect(r.metadata == ["role": ["worker"]])
}
