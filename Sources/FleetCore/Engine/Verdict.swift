/// Why a machine cannot take a unit: the reason one feasibility checker gives.
public enum Ineligibility: Sendable, Hashable, CustomStringConvertible {
    /// `MachineID=` names another machine.
    case machineID(required: String)
    /// The machine lacks a value `MachineMetadata=` asks for.
    case metadata(key: String)
    /// A unit that replaces this one is scheduled there.
    case replacedBy(String)
    /// A unit this one replaces is scheduled there.
    case replacedUnitThere(String)
    /// A unit scheduled there conflicts with this one (in either direction).
    case conflict(String)
    /// A global unit that runs there (or may) conflicts with this one.
    case globalConflict(String)
    /// Global eligibility was asked of something that is not an active global unit on a known machine.
    case globalNotApplicable(String)

    public var description: String {
        switch self {
        case .machineID(let id): "MachineID requires machine \(id.prefix(8))"
        case .metadata(let key): "machine does not satisfy MachineMetadata \(key)=…"
        case .replacedBy(let r): "\(r), which replaces it, is scheduled there"
        case .replacedUnitThere(let x): "\(x), which it replaces, is scheduled there"
        case .conflict(let w): "conflicts with \(w) scheduled there"
        case .globalConflict(let g): "conflicts with global unit \(g)"
        case .globalNotApplicable(let message): message
        }
    }

    /// The reason without naming what is scheduled on the machine, for reports that must not
    /// change every time an unrelated unit lands there.
    var summary: String {
        switch self {
        case .machineID: "it does not match MachineID"
        case .metadata: "it does not satisfy MachineMetadata"
        case .replacedBy, .replacedUnitThere, .conflict, .globalConflict: "it is ruled out by Conflicts or Replaces"
        case .globalNotApplicable(let message): message
        }
    }
}

/// A checker's answer: the machine may take the unit, or not and why.
public enum Verdict: Sendable, Hashable {
    /// The machine may take the unit.
    case eligible
    /// The machine may not take the unit.
    case ineligible(Ineligibility)

    /// True for `.eligible`.
    public var isEligible: Bool { if case .eligible = self { true } else { false } }
}
