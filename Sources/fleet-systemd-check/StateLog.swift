import FleetCore

/// Records every state change a `UnitManager` reports and lets checks wait for one.
actor StateLog {
    private(set) var changes: [UnitStateChange] = []
    private var waiters: [(id: Int, name: String, predicate: @Sendable (SystemdUnitState) -> Bool, continuation: CheckedContinuation<SystemdUnitState?, Never>)] = []
    private var nextID = 0

    func record(_ change: UnitStateChange) {
        changes.append(change)
        waiters.removeAll { waiter in
            guard waiter.name == change.name, waiter.predicate(change.state) else { return false }
            waiter.continuation.resume(returning: change.state)
            return true
        }
    }

    /// The states reported for one unit, in order.
    func history(of name: String) -> [SystemdUnitState] {
        changes.filter { $0.name == name }.map(\.state)
    }

    /// Waits until a change for `name` satisfies `predicate` (counting changes already seen
    /// since `index`), or the timeout passes.
    func wait(for name: String, after index: Int = 0, timeout: Duration = .seconds(10),
              _ predicate: @escaping @Sendable (SystemdUnitState) -> Bool) async -> SystemdUnitState? {
        if let seen = changes[min(index, changes.count)...].last(where: { $0.name == name }), predicate(seen.state) {
            return seen.state
        }
        let id = nextID
        nextID += 1
        return await withCheckedContinuation { continuation in
            waiters.append((id, name, predicate, continuation))
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
        }
    }

    var count: Int { changes.count }

    private func expire(_ id: Int) {
        waiters.removeAll { waiter in
            guard waiter.id == id else { return false }
            waiter.continuation.resume(returning: nil)
            return true
        }
    }
}
