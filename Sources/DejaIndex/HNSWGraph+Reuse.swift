/// Slot reuse: a new vector takes over a tombstoned slot, as hnswlib does with
/// `replace_deleted = true` (`updatePoint` followed by `repairConnectionsForUpdate` in its
/// `hnswalg.h`).
///
/// Writing a new vector into a tombstone's slot and linking it like a fresh node (tried first)
/// cuts parts of the graph off: the slot's former neighbours keep links to a node that now lives
/// elsewhere in space, and nodes that were reached mainly through the slot lose their way in.
/// So before the slot is relinked at its new position, every former neighbour re-selects its list
/// from the old neighbourhood, which routes that neighbourhood around the slot.
extension HNSWGraph {
    /// Puts `id` / `unit` into the tombstoned `slot` and links it at its new position.
    ///
    /// 1. The vector, label, tombstone flag and id map are updated; the slot keeps its level
    ///    (as in hnswlib): the level was drawn independently of the vector, so the level
    ///    distribution is unchanged, the upper-link pool never grows through reuse, and no link
    ///    into the slot on an upper level can point past the slot's own levels.
    /// 2. On every level of the slot, each former neighbour `n` re-selects its list with the
    ///    heuristic (Algorithm 4) from the slot's former neighbours, their neighbours and the slot
    ///    itself (at its new position), minus `n`, keeping the most similar to `n`
    ///    (``repairNeighbours(of:level:scratch:)``).
    /// 3. The slot is linked by the ordinary insert search from the entry point (``link(_:scratch:replacing:)``),
    ///    overwriting its old lists. If the slot is the entry point, it stays the entry point: it
    ///    is on the top level, it is live again, and its old lists are still there to route the
    ///    search down until each is overwritten.
    ///
    /// Caller: the write lock is held and no other thread is inside the graph (see `insert`).
    func replace(slot: UInt32, id: UInt64, unit: UnsafePointer<Float>, scratch: SearchScratch) {
        let s = Int(slot)
        precondition(self.deleted[s], "only a tombstoned slot can be reused")
        self.vector(slot).update(from: unit, count: self.dimension)
        self.labels[s] = id
        self.deleted[s] = false
        self.slotOfID[id] = slot
        let level = Int(self.levels[s])

        if slot == self.entryPoint && self.nodeCount == 1 { return }
        for l in 0...level {
            self.repairNeighbours(of: slot, level: l, scratch: scratch)
        }
        // A slot above the current top (only possible in a hand-made file) would become the entry
        // point in `link`; its lists above the old top would keep stale links, so empty them.
        if level > self.maxLevel {
            for l in (self.maxLevel + 1)...level where l >= 1 { self.links(slot, level: l)[0] = 0 }
        }
        self.link(slot, scratch: scratch, replacing: true)
    }

    /// Candidates offered to the heuristic per list entry when a neighbour's list is re-selected.
    static let repairCandidatesPerLink = 3

    /// Re-selects the list of every node in `slot`'s list at `level` (hnswlib's `updatePoint`
    /// with `updateNeighborProbability` 1). `slot`'s vector is already the new one.
    func repairNeighbours(of slot: UInt32, level: Int, scratch: SearchScratch) {
        let list = self.links(slot, level: level)
        let oneHop = (0..<Int(list[0])).map { list[1 + $0] }.filter { $0 != slot }
        guard !oneHop.isEmpty else { return }

        // Candidates: the slot, its former neighbours and their neighbours, each once (deduplicated
        // with the scratch's visited tags), all reaching `level` (the insert path keeps that
        // invariant; the filter is defensive).
        scratch.begin(nodeCount: self.nodeCount)
        let (tags, epoch) = scratch.visitedState
        var pool: [UInt32] = [slot]
        pool.reserveCapacity(1 + oneHop.count * (1 + self.m0))
        tags[Int(slot)] = epoch
        for neighbour in oneHop where tags[Int(neighbour)] != epoch {
            tags[Int(neighbour)] = epoch
            pool.append(neighbour)
        }
        for neighbour in oneHop {
            let links = self.links(neighbour, level: level)
            for i in 0..<Int(links[0]) {
                let candidate = links[1 + i]
                guard tags[Int(candidate)] != epoch, Int(self.levels[Int(candidate)]) >= level else { continue }
                tags[Int(candidate)] = epoch
                pool.append(candidate)
            }
        }

        let capacity = level == 0 ? self.m0 : self.m
        var similarities = [Float](repeating: 0, count: pool.count)
        var best = MinHeap()
        best.reserveCapacity(self.efConstruction + 1)
        // hnswlib hands the `efConstruction` most similar candidates to the heuristic; here at most
        // `3 · capacity` (96 on level 0 with M = 16). The heuristic rarely keeps a candidate ranked
        // that low, and on the 20k × 64 churn benchmark the cap left recall@10 unchanged (0.9915
        // against 0.9918) while making a reuse 1.6× faster (`Benchmarks/index/RESULTS.md`).
        // Neighbours that do not link back to the slot are re-selected too, as in hnswlib:
        // skipping them was 1.7× faster but cost 0.002 recall@10 there.
        let limit = min(self.efConstruction, Self.repairCandidatesPerLink * capacity)
        for neighbour in oneHop {
            let base = UnsafePointer(self.vector(neighbour))
            pool.withUnsafeBufferPointer { pool in
                similarities.withUnsafeMutableBufferPointer { out in
                    self.similarities(base, pool.baseAddress!, count: pool.count, into: out.baseAddress!)
                }
            }
            // The `limit` most similar: a bounded heap, then a sort of those only (sorting the
            // whole pool per neighbour was half the cost of a reuse).
            best.removeAll()
            for (i, candidate) in pool.enumerated() where candidate != neighbour {
                best.offer(Scored(similarity: similarities[i], slot: candidate), limit: limit)
            }
            let selected = self.selectNeighbours(best.sortedDescending(), limit: capacity)
            let own = self.links(neighbour, level: level)
            own[0] = UInt32(selected.count)
            for (i, chosen) in selected.enumerated() { own[1 + i] = chosen.slot }
        }
    }
}
