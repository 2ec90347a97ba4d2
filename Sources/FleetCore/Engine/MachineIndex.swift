/// The machine side of the scheduler's index: machines in ID order, their loads, and one
/// `LoadTree` per distinct `MachineMetadata=` requirement in use, so that finding the least
/// loaded eligible machine costs O(log n) instead of a scan of the cluster.
///
/// Rebuilt when a machine joins, leaves or changes metadata; groups are built on first use.
struct MachineIndex: Sendable {
    /// Machine IDs, sorted: a machine's position here is its slot.
    private(set) var ids: [String]
    /// Per slot: the machine's number in `ConflictIndex`.
    private var numbers: [Int]
    private var slotOf: [String: Int]
    private var loads: [Int]
    private var groupOf: [[String: Set<String>]: Int] = [:]
    /// Per group: member slots in ID order.
    private(set) var members: [[Int]] = []
    private var trees: [LoadTree] = []
    /// Per slot: the groups it belongs to and its leaf position in each.
    private var memberships: [[(group: Int, position: Int)]]

    /// - Parameters:
    ///   - machines: the machines present.
    ///   - load: the number of units scheduled on a machine.
    ///   - number: the machine's number in `ConflictIndex`.
    init(machines: [String: MachineState], load: (String) -> Int, number: (String) -> Int) {
        ids = machines.keys.sorted()
        numbers = ids.map(number)
        slotOf = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        loads = ids.map(load)
        memberships = Array(repeating: [], count: ids.count)
    }

    /// The group of machines satisfying `requirement`, built on first use.
    /// - Returns: the group's number.
    mutating func group(for requirement: [String: Set<String>], machines: [String: MachineState]) -> Int {
        if let g = groupOf[requirement] { return g }
        let g = members.count
        var slots: [Int] = []
        for (slot, id) in ids.enumerated()
        where requirement.isEmpty || Feasibility.metadata(requirement, machines[id]!).isEligible {
            memberships[slot].append((g, slots.count))
            slots.append(slot)
        }
        members.append(slots)
        trees.append(LoadTree(loads: slots.map { loads[$0] }))
        groupOf[requirement] = g
        return g
    }

    /// Records a machine's new load in every group holding it.
    mutating func setLoad(_ id: String, _ load: Int) {
        guard let slot = slotOf[id] else { return }
        loads[slot] = load
        for (g, position) in memberships[slot] { trees[g].set(position, load) }
    }

    /// The least-loaded member of group `g` not excluded so far (smallest ID among equals).
    /// - Returns: its leaf position, machine ID and number, or nil when every member is excluded.
    func leastLoaded(in g: Int) -> (position: Int, id: String, number: Int)? {
        trees[g].leftmostMinimum().map { ($0, ids[members[g][$0]], numbers[members[g][$0]]) }
    }

    /// Leaves a group member out of the searches until `restore` (one search skips machines
    /// that fail a dynamic check, such as Conflicts).
    mutating func exclude(_ position: Int, in g: Int) {
        trees[g].set(position, LoadTree.excluded)
    }

    /// Brings excluded members back with their current loads.
    mutating func restore(_ positions: [Int], in g: Int) {
        for position in positions { trees[g].set(position, loads[members[g][position]]) }
    }
}
