/// Units waiting to be placed in one pass, popped in name order. The bulk arrives sorted at the
/// start; units pushed later (displaced, following a target) go to a small binary heap.
struct PlacementQueue: Sendable {
    private var sorted: [String] = []
    private var next = 0
    private var heap: [String] = []
    private(set) var members: Set<String> = []

    var isEmpty: Bool { members.isEmpty }

    func contains(_ name: String) -> Bool { members.contains(name) }

    /// Adds many units at once (the start of a round).
    mutating func load(_ names: [String]) {
        precondition(isEmpty, "load only into an empty queue")
        sorted = names.filter { members.insert($0).inserted }.sorted()
        next = 0
    }

    /// Adds one unit; no effect if it is already queued.
    mutating func push(_ name: String) {
        guard members.insert(name).inserted else { return }
        heap.append(name)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i] < heap[parent] else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the smallest queued name.
    mutating func pop() -> String? {
        let fromSorted = next < sorted.count ? sorted[next] : nil
        let fromHeap = heap.first
        let name: String
        switch (fromSorted, fromHeap) {
        case (nil, nil): return nil
        case (let s?, nil): name = s; next += 1
        case (nil, _?): name = popHeap()
        case (let s?, let h?):
            if s < h { name = s; next += 1 } else { name = popHeap() }
        }
        members.remove(name)
        return name
    }

    private mutating func popHeap() -> String {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, heap[l] < heap[m] { m = l }
                if r < heap.count, heap[r] < heap[m] { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
