/// Machines of one eligibility group ordered by (load, machine ID): a min segment tree whose
/// leaves are the group's machines in ID order, so the leftmost minimum is the least-loaded
/// machine with the smallest ID. Updates and queries cost O(log n).
struct LoadTree: Sendable {
    /// Stands for "not a candidate" (a machine skipped during one search).
    static let excluded = Int.max
    private var width: Int
    private var node: [Int]

    /// - Parameter loads: the leaves' initial loads, in machine-ID order.
    init(loads: [Int]) {
        var w = 1
        while w < max(loads.count, 1) { w <<= 1 }
        width = w
        node = Array(repeating: LoadTree.excluded, count: 2 * w)
        for (i, l) in loads.enumerated() { node[w + i] = l }
        var i = w - 1
        while i >= 1 {
            node[i] = min(node[2 * i], node[2 * i + 1])
            i -= 1
        }
    }

    /// Sets one leaf's value.
    mutating func set(_ position: Int, _ value: Int) {
        var i = width + position
        node[i] = value
        i >>= 1
        while i >= 1 {
            let m = min(node[2 * i], node[2 * i + 1])
            if node[i] == m { break }
            node[i] = m
            i >>= 1
        }
    }

    /// The leftmost leaf holding the minimum, or nil when every leaf is excluded.
    func leftmostMinimum() -> Int? {
        guard node[1] != LoadTree.excluded else { return nil }
        var i = 1
        while i < width {
            i = node[2 * i] <= node[2 * i + 1] ? 2 * i : 2 * i + 1
        }
        return i - width
    }
}
