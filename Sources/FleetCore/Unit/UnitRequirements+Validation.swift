extension UnitRequirements {
    /// Checks a whole set of units together: `MachineOf=` and `Replaces=` must not go round
    /// in a circle (a unit following itself, or `a` replacing `b` replacing `a`).
    ///
    /// References to units outside the set are ignored (a MachineOf target that is not
    /// submitted yet only makes the follower wait).
    /// - Parameter units: every unit's requirements, by unit name.
    /// - Returns: one error per cycle found (each cycle once, starting at its smallest name
    ///   and ending where it started), MachineOf cycles first, in a stable order; empty when
    ///   the set is consistent.
    public static func validate(_ units: [String: UnitRequirements]) -> [UnitRequirementsError] {
        let names = units.keys.sorted()
        let machineOf = cycles(names) { units[$0]?.machineOf.filter { units[$0] != nil } ?? [] }
        let replaces = cycles(names) { units[$0]?.replaces.filter { units[$0] != nil } ?? [] }
        return machineOf.map { UnitRequirementsError(unit: $0[0], kind: .circularMachineOf($0)) }
            + replaces.map { UnitRequirementsError(unit: $0[0], kind: .circularReplaces($0)) }
    }

    /// Cycles of a directed graph, found by depth-first search without recursion (sets can
    /// be large). Each cycle is rotated to start at its smallest node and closed by repeating
    /// it; duplicates are dropped.
    private static func cycles(_ nodes: [String], edges: (String) -> [String]) -> [[String]] {
        enum Color { case visiting, done }
        var color: [String: Color] = [:]
        var found: [[String]] = []
        var seen: Set<[String]> = []
        for start in nodes where color[start] == nil {
            var stack: [(node: String, next: [String], index: Int)] = [(start, edges(start), 0)]
            color[start] = .visiting
            while !stack.isEmpty {
                let top = stack.count - 1
                guard stack[top].index < stack[top].next.count else {
                    color[stack[top].node] = .done
                    stack.removeLast()
                    continue
                }
                let target = stack[top].next[stack[top].index]
                stack[top].index += 1
                switch color[target] {
                case nil:
                    color[target] = .visiting
                    stack.append((target, edges(target), 0))
                case .visiting:
                    // A back edge: the path from `target` to the top is a cycle.
                    let from = stack.lastIndex { $0.node == target }!
                    var cycle = stack[from...].map(\.node)
                    let smallest = cycle.indices.min { cycle[$0] < cycle[$1] }!
                    cycle = Array(cycle[smallest...] + cycle[..<smallest])
                    if seen.insert(cycle).inserted {
                        found.append(cycle + [cycle[0]])
                    }
                case .done:
                    break
                }
            }
        }
        return found
    }
}
