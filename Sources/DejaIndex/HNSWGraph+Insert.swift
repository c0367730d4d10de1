import Foundation
import Synchronization

/// Construction: placing nodes, linking them (Algorithm 1) and the neighbour-selection heuristic
/// (Algorithm 4), single-threaded or with several workers.
extension HNSWGraph {
    /// Claims a new slot at the end for `id` with a freshly drawn level and copies `unit` into it;
    /// the node is not linked yet. Tombstoned slots are taken over by ``replace(slot:id:unit:scratch:)``
    /// instead, which repairs the links around them first.
    func place(id: UInt64, unit: UnsafePointer<Float>) -> UInt32 {
        let level = self.drawLevel()
        self.reserve(additionalNodes: 1)
        let slot = UInt32(self.nodeCount)
        self.nodeCount += 1
        let s = Int(slot)
        self.vector(slot).update(from: unit, count: self.dimension)
        self.labels[s] = id
        self.deleted[s] = false
        self.levels[s] = UInt8(level)
        self.links0[s * self.linkStride0] = 0
        if level > 0 {
            let words = level * self.linkStrideUpper
            self.reserve(upperWords: words)
            self.upperOffset[s] = UInt32(self.upperCount)
            for l in 0..<level { self.upperLinks[self.upperCount + l * self.linkStrideUpper] = 0 }
            self.upperCount += words
        }
        self.slotOfID[id] = slot
        return slot
    }

    /// Inserts already-normalised vectors. With `reuseSlots`, the first vectors take over
    /// tombstoned slots (most recently freed first), one at a time on the calling thread
    /// (``replace(slot:id:unit:scratch:)``); the rest get new slots. With `threads > 1` the new
    /// slots are linked by parallel workers in hnswlib's scheme (per-node locks, a global lock only
    /// when the top level grows); with one thread the result depends only on the seed and the
    /// operation order.
    ///
    /// Runs under the index's write lock. Slot reuse rewrites the lists of every former neighbour
    /// of the slot, far more than the one or two lists a plain link touches under a node's spin
    /// lock, so it is done before any worker starts, with no other thread inside the graph: no
    /// search (they need the read lock) and no parallel linker (not started yet) can observe a
    /// half-repaired neighbourhood.
    func insert(ids: [UInt64], units: UnsafePointer<Float>, threads: Int, scratchPool: ScratchPool, reuseSlots: Bool = true) {
        guard !ids.isEmpty else { return }
        var first = 0
        if reuseSlots && !self.freeSlots.isEmpty && self.entryPoint != Self.noNode {
            first = min(ids.count, self.freeSlots.count)
            scratchPool.withScratch { scratch in
                for i in 0..<first {
                    self.replace(slot: self.freeSlots.removeLast(), id: ids[i], unit: units + i * self.dimension, scratch: scratch)
                }
            }
        }
        guard first < ids.count else { return }
        let ids = Array(ids[first...])
        let units = units + first * self.dimension
        self.reserve(additionalNodes: ids.count)
        var slots = [UInt32]()
        slots.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() {
            slots.append(self.place(id: id, unit: units + i * self.dimension))
        }
        let workers = min(max(threads, 1), ids.count / 64 + 1)
        if workers == 1 {
            scratchPool.withScratch { scratch in
                for slot in slots { self.link(slot, scratch: scratch) }
            }
            return
        }
        let next = Atomic<Int>(0)
        let order = slots
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            scratchPool.withScratch { scratch in
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard i < order.count else { break }
                    self.link(order[i], scratch: scratch)
                }
            }
        }
    }

    /// Links a placed node into every level up to its own (Algorithm 1 of the paper).
    ///
    /// With `replacing`, `node` is a reused slot whose lists still hold its former neighbours:
    /// the searches may route through them (they are valid nodes), and each list is then
    /// overwritten by the new selection instead of being merged with it.
    func link(_ node: UInt32, scratch: SearchScratch, replacing: Bool = false) {
        let level = Int(self.levels[Int(node)])
        Self.acquire(self.globalLock)
        let entry = self.entryPoint
        let top = self.maxLevel
        if entry == Self.noNode {
            self.entryPoint = node
            self.maxLevel = level
            self.globalLock.store(0, ordering: .releasing)
            return
        }
        // A node that raises the top level becomes the entry point once linked; the global lock is
        // held until then so no other insert starts from a half-linked top (as hnswlib does).
        let raisesTop = level > top
        if !raisesTop { self.globalLock.store(0, ordering: .releasing) }

        let query = UnsafePointer(self.vector(node))
        var current = self.greedyDescent(query: query, entry: entry, fromLevel: top, toLevel: level, locked: true, scratch: scratch)
        // Choose neighbours top-down, then link bottom-up: a node becomes reachable on a level only
        // after its lists on every lower level are in place, so a concurrent insert that reaches it
        // never descends into an empty list.
        var selections: [[Scored]] = []
        var l = min(level, top)
        while l >= 0 {
            self.searchLayer(
                query: query, entry: current.node, entrySimilarity: current.similarity, level: l, ef: self.efConstruction,
                skipDeleted: false, minSimilarity: -.infinity, locked: true, scratch: scratch
            )
            var candidates = scratch.results.sortedDescending()
            candidates.removeAll { $0.slot == node }
            if let closest = candidates.first {
                current = (closest.slot, closest.similarity)
            }
            selections.append(self.selectNeighbours(candidates, limit: self.m))
            l -= 1
        }
        for (offset, selected) in selections.enumerated().reversed() {
            self.connect(node, to: selected, level: min(level, top) - offset, replacing: replacing, scratch: scratch)
        }
        if raisesTop {
            self.entryPoint = node
            self.maxLevel = level
            self.globalLock.store(0, ordering: .releasing)
        }
    }

    /// The heuristic of Algorithm 4: walking candidates from most to least similar, keep one
    /// only if it is more similar to the base than to every node already kept. This favours
    /// neighbours in different directions, which keeps clustered data navigable.
    func selectNeighbours(_ candidates: [Scored], limit: Int) -> [Scored] {
        guard candidates.count > limit else { return candidates }
        var selected: [Scored] = []
        selected.reserveCapacity(limit)
        let dimension = self.dimension
        // The kept vectors are gathered into one row-major block so that, once a few are kept,
        // each candidate is compared with all of them in one `sgemv` instead of one `sdot` call
        // per pair. The vectors are in cache by then, so call overhead, not memory, is the cost:
        // on 384-d data whose lists are full (the hard benchmark set) it cut a 30,000-vector
        // single-thread build from 32 s to 19 s. Below `batchFrom` kept vectors the early exit of
        // single calls wins.
        let batchFrom = 4
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: limit * dimension + limit) { buffer in
            let kept = buffer.baseAddress!
            let sims = kept + limit * dimension
            for candidate in candidates {
                guard selected.count < limit else { break }
                let vector = UnsafePointer(self.vector(candidate.slot))
                var keep = true
                if selected.count < batchFrom {
                    for chosen in selected where self.similarity(vector, chosen.slot) > candidate.similarity {
                        keep = false
                        break
                    }
                } else {
                    BLAS.matrixVector(kept, rows: selected.count, columns: dimension, x: vector, y: sims)
                    for i in 0..<selected.count where sims[i] > candidate.similarity {
                        keep = false
                        break
                    }
                }
                if keep {
                    (kept + selected.count * dimension).update(from: vector, count: dimension)
                    selected.append(candidate)
                }
            }
            return selected
        }
    }

    /// Sets `node`'s list at `level` to `neighbours` and adds `node` to each neighbour's list,
    /// shrinking a full list with the heuristic.
    /// With `replacing`, `node`'s list is overwritten (it held the reused slot's former links).
    private func connect(_ node: UInt32, to neighbours: [Scored], level: Int, replacing: Bool, scratch: SearchScratch) {
        let similarities = scratch.similarities
        let capacity = level == 0 ? self.m0 : self.m
        self.lock(node)
        let own = self.links(node, level: level)
        var chosen = neighbours
        if own[0] > 0 && !replacing {
            // Defensive: another parallel insert already linked to this node; keep those links in
            // the running.
            let base = UnsafePointer(self.vector(node))
            for i in 0..<Int(own[0]) where !chosen.contains(where: { $0.slot == own[1 + i] }) {
                chosen.append(Scored(similarity: self.similarity(base, own[1 + i]), slot: own[1 + i]))
            }
            chosen.sort { $0.similarity > $1.similarity }
            chosen = self.selectNeighbours(chosen, limit: capacity)
        }
        own[0] = UInt32(chosen.count)
        for (i, neighbour) in chosen.enumerated() { own[1 + i] = neighbour.slot }
        self.unlock(node)

        for neighbour in neighbours {
            let other = neighbour.slot
            guard level == 0 || Int(self.levels[Int(other)]) >= level else { continue }
            self.lock(other)
            defer { self.unlock(other) }
            let list = self.links(other, level: level)
            let count = Int(list[0])
            if (0..<count).contains(where: { list[1 + $0] == node }) { continue }
            if count < capacity {
                list[1 + count] = node
                list[0] = UInt32(count + 1)
                continue
            }
            let base = UnsafePointer(self.vector(other))
            var pool = [Scored(similarity: neighbour.similarity, slot: node)]
            pool.reserveCapacity(count + 1)
            self.similarities(base, list + 1, count: count, into: similarities)
            for i in 0..<count {
                pool.append(Scored(similarity: similarities[i], slot: list[1 + i]))
            }
            pool.sort { $0.similarity > $1.similarity }
            let kept = self.selectNeighbours(pool, limit: capacity)
            list[0] = UInt32(kept.count)
            for (i, scored) in kept.enumerated() { list[1 + i] = scored.slot }
        }
    }
}
