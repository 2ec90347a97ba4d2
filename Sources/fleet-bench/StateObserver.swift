import FleetCore
import Foundation

/// Follows every published unit state through one watch on `states/` (what `fleetctl
/// list-units` would read), and answers "how many units are active" at any moment.
actor StateObserver {
    private let registry: Registry
    /// Unit → machines on which it is reported active.
    private var active: [String: Set<String>] = [:]
    /// Machine → how many active states it has published (to see a dead machine's vanish).
    private var perMachine: [String: Int] = [:]
    private var task: Task<Void, Never>?
    /// Every state change seen (puts and deletes).
    private(set) var changes = 0

    init(registry: Registry) {
        self.registry = registry
    }

    /// Lists the current states, then follows the watch until `stop()`.
    func start() async throws {
        let listed = try await registry.store.list(prefix: registry.keys.states)
        for pair in listed.pairs { apply(.put(pair, previous: nil)) }
        let registry = self.registry
        task = Task {
            while !Task.isCancelled {
                do {
                    for try await update in registry.store.watch(prefix: registry.keys.states, startRevision: listed.revision + 1) {
                        guard case .events(let events) = update else { break }
                        self.take(events)
                    }
                    return
                } catch {
                    if Task.isCancelled { return }
                    FileHandle.standardError.write(Data("state observer: watch failed: \(error)\n".utf8))
                    return
                }
            }
        }
    }

    func stop() { task?.cancel() }

    private func take(_ events: [WatchEvent]) {
        for event in events { apply(event) }
    }

    private func apply(_ event: WatchEvent) {
        changes += 1
        let keys = registry.keys
        switch event {
        case .put(let pair, _):
            guard let (unit, machine) = split(pair.key, keys.states) else { return }
            let isActive = (try? JSONDecoder().decode(UnitStateRecord.self, from: Data(pair.value)))?.activeState == "active"
            mark(unit, machine, isActive)
        case .delete(let key, _, _):
            guard let (unit, machine) = split(key, keys.states) else { return }
            mark(unit, machine, false)
        }
    }

    private func mark(_ unit: String, _ machine: String, _ isActive: Bool) {
        let was = active[unit]?.contains(machine) ?? false
        guard was != isActive else { return }
        if isActive {
            active[unit, default: []].insert(machine)
            perMachine[machine, default: 0] += 1
        } else {
            active[unit]?.remove(machine)
            if active[unit]?.isEmpty == true { active[unit] = nil }
            perMachine[machine, default: 0] -= 1
        }
    }

    private func split(_ key: String, _ prefix: String) -> (String, String)? {
        guard key.hasPrefix(prefix) else { return nil }
        let parts = key.dropFirst(prefix.count).split(separator: "/")
        guard parts.count == 2 else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// Units among `units` active on at least one machine not in `excluding`.
    func activeCount(of units: Set<String>, excluding dead: Set<String> = []) -> Int {
        var count = 0
        for unit in units {
            guard let machines = active[unit] else { continue }
            if dead.isEmpty || machines.contains(where: { !dead.contains($0) }) { count += 1 }
        }
        return count
    }

    /// How many machines report `unit` active.
    func machinesActive(_ unit: String) -> Int { active[unit]?.count ?? 0 }

    /// Machines that report `unit` active.
    func machines(of unit: String) -> Set<String> { active[unit] ?? [] }

    /// Active states published by the given machines (0 once their leases expired).
    func activeStates(on machines: Set<String>) -> Int {
        machines.reduce(0) { $0 + (perMachine[$1] ?? 0) }
    }

    /// Active states of all units (a global unit counts once per machine).
    func totalActiveStates() -> Int { perMachine.values.reduce(0, +) }
}
