import FleetCore
import Foundation

/// Unit arguments as the original read them: a path or a name.
enum UnitArguments {
    /// Unit types the original recognised; any other name gets `.service` appended.
    static let recognizedSuffixes = [".service", ".socket", ".timer", ".path", ".device", ".mount", ".automount"]

    /// The unit name an argument stands for: its last path component, with `.service` added
    /// when it has no recognised unit type (`hello` → `hello.service`).
    static func name(of argument: String) -> String {
        let base = (argument as NSString).lastPathComponent
        return recognizedSuffixes.contains(where: base.hasSuffix) ? base : base + ".service"
    }

    /// Whether a unit's `[X-Fleet]` section makes it global.
    static func isGlobal(_ unit: APIUnit) -> Bool {
        let file = UnitFile(options: unit.options)
        let name = try? UnitName(unit.name)
        if let xfleet = try? XFleetOptions(unitFile: file, name: name) { return xfleet.requirements.global }
        let value = file.values(section: XFleetOptions.sectionName, name: "Global").last?.lowercased()
        return ["true", "1", "yes", "on", "t"].contains(value ?? "")
    }
}
