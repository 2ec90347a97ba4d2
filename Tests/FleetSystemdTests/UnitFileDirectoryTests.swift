#if canImport(Glibc)
import Glibc
#endif
import Testing
import FleetCore
import FleetSystemd

/// A fresh directory under /tmp, removed afterwards.
private func withDirectory(_ body: (UnitFileDirectory, String) throws -> Void) throws {
    var template = Array("/tmp/fleet-units-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw UnitManagerError(.fileSystem, unit: "", message: "mkdtemp") }
    let base = String(cString: made)
    defer { _ = system("rm -rf '\(base)'") }
    // A directory that does not exist yet: the first write creates it.
    try body(UnitFileDirectory(path: base + "/run/fleet/units"), base)
}

@Suite struct UnitFileDirectoryTests {
    @Test func writesReportCreatedUnchangedModified() throws {
        try withDirectory { (directory, _) throws in
            #expect(directory.path.hasSuffix("/units/"))
            #expect(try directory.names().isEmpty, "a missing directory lists nothing")
            #expect(try directory.write("a.service", contents: "[Service]\nExecStart=/bin/true\n") == .created)
            #expect(try directory.write("a.service", contents: "[Service]\nExecStart=/bin/true\n") == .unchanged)
            #expect(try directory.write("a.service", contents: "[Service]\nExecStart=/bin/false\n") == .modified)
            #expect(try directory.contents(of: "a.service") == "[Service]\nExecStart=/bin/false\n")
            #expect(try directory.names() == ["a.service"], "no temporary file left behind")
        }
    }

    @Test func invalidNamesNeverReachTheDisk() throws {
        try withDirectory { (directory, base) throws in
            for name in ["../../escape.service", "x/y.service", "bad name.service", "a.txt"] {
                #expect(throws: UnitManagerError.self) { try directory.write(name, contents: "x") }
                #expect(throws: UnitManagerError.self) { try directory.remove(name) }
            }
            #expect(access(base + "/run/fleet/escape.service", F_OK) != 0)
            #expect(access(directory.path, F_OK) != 0, "nothing was even created")
        }
    }

    @Test func removeAndListAndTemplates() throws {
        try withDirectory { (directory, _) throws in
            _ = try directory.write("web@.service", contents: "t")
            _ = try directory.write("b.service", contents: "b")
            // A stray file that is not a unit name is not listed.
            let stray = open(directory.path + "notes.txt", O_CREAT | O_WRONLY, 0o644)
            close(stray)
            #expect(try directory.names() == ["b.service", "web@.service"])
            #expect(directory.hasFile(for: "web@1.service"), "an instance uses its template's file")
            #expect(!directory.hasFile(for: "db@1.service"))
            #expect(try directory.remove("b.service"))
            #expect(try directory.remove("b.service") == false)
            #expect(try directory.contents(of: "b.service") == nil)
        }
    }

    @Test func unwritableDirectoriesGiveAFileSystemError() throws {
        let directory = UnitFileDirectory(path: "/proc/fleet-cannot-exist/")
        #expect {
            _ = try directory.write("a.service", contents: "x")
        } throws: { ($0 as? UnitManagerError)?.code == .fileSystem }
    }
}
