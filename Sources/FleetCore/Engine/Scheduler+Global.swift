// Global units: each agent decides for its own machine, with these pure functions.


extension Scheduler {
    /// Whether a global unit should run on a machine: its MachineMetadata admits the machine, no
    /// non-global unit scheduled there conflicts with it (either direction), and no global unit
    /// sorting before it that runs there conflicts with it (the first name wins).
    /// - Parameters:
    ///   - unit: the global unit's full name.
    ///   - machineID: the machine's full ID (usually the agent's own).
    ///   - snapshot: the cluster as the agent sees it.
    /// - Returns: `.eligible`, or why not (`.globalNotApplicable` for a unit that is unknown,
    ///   inactive or not global, or an unknown machine).
    public static func globalEligibility(of unit: String, on machineID: String, in snapshot: SchedulingSnapshot) -> Verdict {
        guard let scheduled = snapshot.units[unit] else { return .ineligible(.globalNotApplicable("unit \(unit) is not in the cluster")) }
        guard scheduled.requirements.global else { return .ineligible(.globalNotApplicable("\(unit) is not a global unit")) }
        guard scheduled.isActive else { return .ineligible(.globalNotApplicable("desired state of \(unit) is inactive")) }
        guard snapshot.machines[machineID] != nil else {
            return .ineligible(.globalNotApplicable("machine \(machineID.prefix(8)) is not in the cluster"))
        }
        return globalEligibility(on: machineID, in: snapshot)[unit]!
    }

    /// The verdict for every active global unit on one machine (see
    /// `globalEligibility(of:on:in:)`), computed in one pass in name order.
    /// - Parameters:
    ///   - machineID: the machine's full ID.
    ///   - snapshot: the cluster.
    /// - Returns: global unit name → verdict; empty when the machine is unknown.
    public static func globalEligibility(on machineID: String, in snapshot: SchedulingSnapshot) -> [String: Verdict] {
        guard let machine = snapshot.machines[machineID] else { return [:] }
        let scheduled = snapshot.placement.compactMap { name, id -> UnitEntry? in
            guard id == machineID, let unit = snapshot.units[name], unit.isActive, !unit.requirements.global else { return nil }
            return UnitEntry(unit)
        }
        var running: [UnitEntry] = []
        var verdicts: [String: Verdict] = [:]
        let globals = snapshot.units.values.filter { $0.requirements.global && $0.isActive }.sorted { $0.name < $1.name }
        for global in globals {
            let entry = UnitEntry(global)
            var verdict = Feasibility.metadata(global.requirements.metadata, machine)
            if verdict.isEligible { verdict = Feasibility.conflicts(entry, scheduled: scheduled) }
            if verdict.isEligible, let other = running.first(where: { entry.conflicts(with: $0) }) {
                verdict = .ineligible(.globalConflict(other.name))
            }
            if verdict.isEligible { running.append(entry) }
            verdicts[global.name] = verdict
        }
        return verdicts
    }
}
