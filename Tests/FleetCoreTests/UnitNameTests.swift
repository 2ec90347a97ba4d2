import Foundation
import Testing
@testable import FleetCore

private func nameError(_ name: String) -> UnitNameError.Kind? {
    do {
        _ = try UnitName(name)
        return nil
    } catch {
        return error.kind
    }
}

@Test func plainTemplateAndInstanceNames() throws {
    let plain = try UnitName("hello.service")
    #expect(plain.kind == .plain)
    #expect(plain.prefix == "hello")
    #expect(plain.instance == nil)
    #expect(plain.type == .service)
    #expect(plain.templateName == nil)

    let template = try UnitName("hello@.service")
    #expect(template.kind == .template)
    #expect(template.prefix == "hello")
    #expect(template.instance == "")
    #expect(template.templateName == nil)

    let instance = try UnitName("hello@8080.service")
    #expect(instance.kind == .instance)
    #expect(instance.prefix == "hello")
    #expect(instance.instance == "8080")
    #expect(instance.templateName?.rawValue == "hello@.service")
    #expect(instance.nameWithoutSuffix == "hello@8080")
}

@Test func instanceIsEverythingAfterTheFirstAt() throws {
    let n = try UnitName("a@b@c.d.socket")
    #expect(n.prefix == "a")
    #expect(n.instance == "b@c.d")
    #expect(n.type == .socket)
    #expect(n.templateName?.rawValue == "a@.socket")
}

@Test func allowedCharactersAndEveryType() throws {
    #expect(try UnitName("A-z_0:9.x.mount").prefix == "A-z_0:9.x")
    for type in UnitType.allCases {
        #expect(try UnitName("x.\(type.rawValue)").type == type)
    }
}

@Test func templatesOnlyForPathServiceSocketTargetTimer() throws {
    for type in UnitType.allCases {
        if type.supportsTemplates {
            #expect(try UnitName("x@.\(type.rawValue)").kind == .template)
            #expect(try UnitName("x@1.\(type.rawValue)").kind == .instance)
        } else {
            #expect(nameError("x@.\(type.rawValue)") == .templateNotSupported(type))
            #expect(nameError("x@1.\(type.rawValue)") == .templateNotSupported(type))
        }
    }
    #expect(Set(UnitType.allCases.filter(\.supportsTemplates)) == [.path, .service, .socket, .target, .timer])
}

@Test func invalidNamesAreRefusedWithTheReason() {
    #expect(nameError("") == .empty)
    #expect(nameError("hello") == .missingSuffix)
    #expect(nameError("hello.") == .missingSuffix)
    #expect(nameError("hello.exe") == .unknownType("exe"))
    #expect(nameError("hello.Service") == .unknownType("Service"))
    #expect(nameError(".service") == .emptyPrefix)
    #expect(nameError("@x.service") == .emptyPrefix)
    #expect(nameError("@.service") == .emptyPrefix)
    #expect(nameError("hel lo.service") == .invalidCharacter(" "))
    #expect(nameError("héllo.service") == .invalidCharacter("é"))
    #expect(nameError("a%n.service") == .invalidCharacter("%"))
    #expect(nameError("a\\x2d.service") == .invalidCharacter("\\"))
}

@Test func pathSyntaxNeverGetsThrough() {
    #expect(nameError("..") == .missingSuffix)
    #expect(nameError(".") == .missingSuffix)
    #expect(nameError("../etc/passwd.service") == .invalidCharacter("/"))
    #expect(nameError("a/b.service") == .invalidCharacter("/"))
    #expect(nameError("/x.service") == .invalidCharacter("/"))
    #expect(nameError("x\u{0}.service") == .invalidCharacter("\u{0}"))
    #expect(nameError("x@../../y.service") == .invalidCharacter("/"))
    // Random names over an alphabet heavy in path syntax: whatever is accepted is a safe file name.
    let alphabet = ["/", ".", "\u{0}", "@", "a", "-", "\\", "..", ".service", ".mount"]
    var rng = SplitMix(seed: 42)
    for _ in 0..<5000 {
        let length = Int(rng.next() % 12)
        var s = ""
        for _ in 0..<length { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
        s += ["", ".service", ".mount"][Int(rng.next() % 3)]
        if let name = try? UnitName(s) {
            #expect(!name.rawValue.contains("/") && !name.rawValue.contains("\u{0}"))
            #expect(name.rawValue != "." && name.rawValue != "..")
        }
    }
}

@Test func lengthLimitIs255Bytes() throws {
    let ok = String(repeating: "a", count: 255 - ".service".count) + ".service"
    #expect(try UnitName(ok).rawValue.utf8.count == 255)
    #expect(nameError("a" + ok) == .tooLong(256))
}

@Test func nameErrorsReadWell() {
    let error = UnitNameError(name: "x@.mount", kind: .templateNotSupported(.mount))
    #expect(error.description.contains("\"x@.mount\""))
    #expect(error.description.contains("mount units cannot be templates"))
}

@Test func unitNameCodableRefusesInvalidNames() throws {
    struct Box: Codable, Equatable { var name: UnitName }
    let box = Box(name: try UnitName("a@1.service"))
    let json = try JSONEncoder().encode(box)
    #expect(String(decoding: json, as: UTF8.self) == #"{"name":"a@1.service"}"#)
    #expect(try JSONDecoder().decode(Box.self, from: json) == box)
    #expect(throws: DecodingError.self) {
        try JSONDecoder().decode(Box.self, from: Data(#"{"name":"../x.service"}"#.utf8))
    }
}

@Test func unitNamesSortByFullName() throws {
    #expect(try UnitName("a@1.service") < (try UnitName("b.service")))
}

/// A small deterministic generator for property-style tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
