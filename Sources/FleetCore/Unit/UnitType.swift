/// A unit's type, from its name's suffix (`.service`, `.socket`, …).
public enum UnitType: String, Sendable, Hashable, Codable, CaseIterable {
    case automount, busname, device, mount, path, scope, service, slice, snapshot, socket, swap,
        target, timer

    /// Whether `name@.type` templates (and their instances) are allowed for this type:
    /// only path, service, socket, target and timer (SPEC §1).
    public var supportsTemplates: Bool {
        switch self {
        case .path, .service, .socket, .target, .timer: true
        default: false
        }
    }
}
