// libFuzzer entry point for the unit-file layer: arbitrary bytes go through the parser, the
// canonical serializer and hash, unit-name validation, globs and the [X-Fleet] reader.
// Built by run-unitfile-fuzzer.sh together with the FleetCore/Unit sources (one module), so
// there is no `import FleetCore` here. Crashes, sanitizer reports and broken invariants
// (preconditionFailure) are what the fuzzer looks for.

@_cdecl("LLVMFuzzerTestOneInput")
public func unitFileFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    checkNames(text)
    guard let file = try? UnitFile(parsing: text) else { return 0 }
    checkSerialization(file)
    checkXFleet(file)
    return 0
}

/// The first line as a unit name, and as a glob against a fixed name: validation must never
/// let path syntax through.
private func checkNames(_ text: String) {
    let firstLine = String(text.prefix { $0 != "\n" }.prefix(300))
    if let name = try? UnitName(firstLine) {
        precondition(!name.rawValue.contains("/") && !name.rawValue.utf8.contains(0), "path syntax in \(name)")
        precondition(name.rawValue != "." && name.rawValue != "..")
        if name.kind == .instance {
            precondition(name.templateName != nil, "instance without template: \(name)")
        }
    }
    if let glob = UnitNameGlob(firstLine) {
        _ = glob.matches("fuzz@1.service")
        _ = glob.matches(firstLine)
    }
}

/// Serializing then parsing again must succeed, and after one round trip serialization is a
/// fixed point (the first round may add the newline go-systemd keeps after a final `\`).
private func checkSerialization(_ file: UnitFile) {
    let first = file.serialized
    precondition(UnitHash(hashing: Array(first.utf8)) == file.hash, "hash is not sha1 of the serialization")
    guard let again = try? UnitFile(parsing: first) else {
        preconditionFailure("serialization does not parse back: \(first.debugDescription)")
    }
    guard let third = try? UnitFile(parsing: again.serialized) else {
        preconditionFailure("second serialization does not parse back: \(again.serialized.debugDescription)")
    }
    precondition(third.serialized == again.serialized, "serialization is not stable: \(again.serialized.debugDescription)")
    precondition(UnitHash(hex: file.hash.hex) == file.hash)
    _ = file.unitDescription
    _ = file.hasInstallSection
}

private func checkXFleet(_ file: UnitFile) {
    var all: [String: UnitRequirements] = [:]
    for nameText in ["fuzz@1.service", "fuzz.service", "other.socket"] {
        guard let name = try? UnitName(nameText) else { preconditionFailure("fixed name \(nameText) refused") }
        if let options = try? XFleetOptions(unitFile: file, name: name) {
            all[nameText] = options.requirements
        }
    }
    _ = try? XFleetOptions(unitFile: file, name: nil)
    _ = UnitRequirements.validate(all)
}
