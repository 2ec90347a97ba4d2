import Foundation
import Testing
@testable import FleetCore

// Expected hashes computed by hand with sha1sum, e.g.
//   printf '[Unit]\nDescription=x\n' | sha1sum

@Test func canonicalSerializationOfASimpleUnit() throws {
    let file = try UnitFile(parsing: "# comment\n[Unit]\n  Description = x  \n")
    #expect(file.serialized == "[Unit]\nDescription=x\n")
    #expect(file.hash.hex == "9fcce57bebda098e6fb9d87b2543194856511ef2")
    #expect(file.hash.short == "9fcce57")
}

@Test func blankLineBetweenSectionsNoneAfterTheLast() throws {
    let text = """
        [Unit]
        Description=Hello


        [Service]
        ExecStart=/bin/sh -c "while true; do echo hi; sleep 5; done"

        """
    let file = try UnitFile(parsing: text)
    #expect(file.serialized == "[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sh -c \"while true; do echo hi; sleep 5; done\"\n")
    #expect(file.hash.hex == "423ba5fafa07f0b868fe264ff06e2ec46ab49e20")
}

@Test func aSectionSeenAgainIsGroupedUnderItsFirstAppearance() throws {
    let file = try UnitFile(parsing: "[A]\nx=1\n[B]\ny=2\n[A]\nz=3\n")
    #expect(file.serialized == "[A]\nx=1\nz=3\n\n[B]\ny=2\n")
    #expect(file.hash.hex == "b0ec5394d87ef22dd43bb992cc6676e4063f7351")
}

@Test func continuationHashesWithBackslashAndNewline() throws {
    let file = try UnitFile(parsing: "[Service]\nExecStart=/bin/sh -c \\\n  echo hi\n")
    #expect(file.serialized == "[Service]\nExecStart=/bin/sh -c \\\n  echo hi\n")
    #expect(file.hash.hex == "a7547085be73df0963611097fa00ba1399669e8a")
}

@Test func keptTrailingNewlineOfAContinuationIsHashed() throws {
    let file = try UnitFile(parsing: "[Service]\nA=x \\\n")
    #expect(file.serialized == "[Service]\nA=x \\\n\n")
    #expect(file.hash.hex == "44c290a93c8438457f880bf736f359b5dabcdab3")
}

@Test func sectionsWithoutOptionsAreNotSerialized() throws {
    let file = try UnitFile(parsing: "[Empty]\n[S]\nA=ab\nB=c\n[Install]\n")
    #expect(file.serialized == "[S]\nA=ab\nB=c\n")
    #expect(file.hash.hex == "9d74bf58cfe8554ea2a0197aede1e0818515423e")
}

@Test func noOptionsHashesTheEmptyString() throws {
    #expect(try UnitFile(parsing: "# nothing").hash.hex == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
}

@Test func formattingDifferencesDoNotChangeTheHash() throws {
    let a = try UnitFile(parsing: "[Unit]\nDescription=x\n")
    let b = try UnitFile(parsing: "\n\n# c\n[Unit]\r\n\tDescription   =x   \r\n\n")
    #expect(a.hash == b.hash)
    let c = try UnitFile(parsing: "[Unit]\nDescription=y\n")
    #expect(a.hash != c.hash)
}

@Test func optionsFromTheAPIHashLikeTheParsedFile() throws {
    let parsed = try UnitFile(parsing: "[Unit]\nDescription=x\n")
    let fromAPI = UnitFile(options: [UnitOption(section: "Unit", name: "Description", value: "x")])
    #expect(parsed == fromAPI)
    #expect(parsed.hash == fromAPI.hash)
}

@Test func serializationParsesBackToTheSameOptions() throws {
    let text = "[Unit]\nDescription=a b\nAfter=x\n[Service]\nExecStart=/bin/sh -c \\\n  'echo'\nA=\n[X-Fleet]\nConflicts=x*\n"
    let file = try UnitFile(parsing: text)
    let again = try UnitFile(parsing: file.serialized)
    #expect(again.options == file.options)
    #expect(again.hash == file.hash)
}

@Test func descriptionAndInstallAccessors() throws {
    let file = try UnitFile(parsing: "[Unit]\nDescription=first\nDescription=second\n[Install]\nWantedBy=multi-user.target\n")
    #expect(file.unitDescription == "first")
    #expect(file.hasInstallSection)
    #expect(file.values(section: "Unit", name: "Description") == ["first", "second"])
    let plain = try UnitFile(parsing: "[Service]\nDescription=not in Unit\n[Install]\n")
    #expect(plain.unitDescription == nil)
    #expect(!plain.hasInstallSection)  // an [Install] header without options does not count
}

@Test func unitHashHexRoundTripAndCodable() throws {
    let hash = try UnitFile(parsing: "[Unit]\nDescription=x\n").hash
    #expect(UnitHash(hex: hash.hex) == hash)
    #expect(UnitHash(hex: hash.hex.uppercased()) == hash)
    #expect(UnitHash(hex: "9fcce57") == nil)
    #expect(UnitHash(hex: String(repeating: "g", count: 40)) == nil)
    #expect(hash.description == hash.hex)
}

@Test func apiOptionsAreCheckedByParsingTheirSerialization() throws {
    let good = [UnitOption(section: "Service", name: "ExecStart", value: "/bin/true")]
    #expect(try UnitFile(validatingOptions: good).options == good)
    #expect(throws: UnitFileError(line: 1, kind: .emptySectionName)) {
        try UnitFile(validatingOptions: [UnitOption(section: "", name: "A", value: "1")])
    }
    #expect(throws: UnitFileError(line: 2, kind: .emptyOptionName)) {
        try UnitFile(validatingOptions: [UnitOption(section: "S", name: "", value: "1")])
    }
    #expect(throws: UnitFileError(line: 2, kind: .missingEquals)) {
        try UnitFile(validatingOptions: [UnitOption(section: "S", name: "A\nB", value: "1")])
    }
    #expect(throws: UnitFileError(line: 2, kind: .lineTooLong)) {
        try UnitFile(validatingOptions: [UnitOption(section: "S", name: "A", value: String(repeating: "x", count: 3000))])
    }
}

@Test func unitFileEncodesAsItsOptionList() throws {
    let file = try UnitFile(parsing: "[Unit]\nDescription=x\n")
    let json = try JSONEncoder().encode(file)
    let plain = try JSONDecoder().decode([[String: String]].self, from: json)
    #expect(plain == [["section": "Unit", "name": "Description", "value": "x"]])
    let back = try JSONDecoder().decode(UnitFile.self, from: json)
    #expect(back == file)
    #expect(back.hash.hex == "9fcce57bebda098e6fb9d87b2543194856511ef2")
}

@Test func unitHashEncodesAsHex() throws {
    let hash = try UnitFile(parsing: "[Unit]\nDescription=x\n").hash
    let json = try JSONEncoder().encode([hash])
    #expect(String(decoding: json, as: UTF8.self) == #"["9fcce57bebda098e6fb9d87b2543194856511ef2"]"#)
    #expect(try JSONDecoder().decode([UnitHash].self, from: json) == [hash])
    #expect(throws: DecodingError.self) { try JSONDecoder().decode([UnitHash].self, from: Data(#"["abc"]"#.utf8)) }
}
