/// Layer search: the greedy descent and the best-first beam search (Algorithm 2) shared by
/// queries and construction.
extension HNSWGraph {
    /// Copies the neighbour list of `node` at `level` into `scratch.neighbours` and returns the count.
    ///
    /// During construction other threads may be rewriting the list, so it is copied under the
    /// node's lock; queries run with no writer present and skip the lock. A node linked from an
    /// upper level it does not reach has no list there (defensive: the insert path does not
    /// produce such links, and a reused slot keeps its level).
    @inline(__always)
    func copyNeighbours(of node: UInt32, level: Int, locked: Bool, into scratch: SearchScratch) -> Int {
        guard level == 0 || Int(self.levels[Int(node)]) >= level else { return 0 }
        if locked { self.lock(node) }
        let list = self.links(node, level: level)
        let count = Int(list[0])
        scratch.neighbours.update(from: list + 1, count: count)
        if locked { self.unlock(node) }
        return count
    }

    /// Marks the neighbours of `node` at `level` visited and writes those not visited before (and,
    /// when `levels` is given, reaching `level`) to `out`, in list order; returns their count.
    /// The list is read in place, so during construction the caller holds the node's lock.
    @inline(__always)
    func collectUnvisited(
        of node: UInt32, level: Int, tags: UnsafeMutablePointer<UInt16>, epoch: UInt16, levels: UnsafePointer<UInt8>?,
        into out: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard level == 0 || Int(self.levels[Int(node)]) >= level else { return 0 }
        let list = self.links(node, level: level)
        let listed = Int(list[0])
        var count = 0
        for i in 0..<listed {
            let neighbour = list[1 &+ i]
            if tags[Int(neighbour)] == epoch { continue }
            tags[Int(neighbour)] = epoch
            if let levels, Int(levels[Int(neighbour)]) < level { continue }
            out[count] = neighbour
            count &+= 1
        }
        return count
    }

    /// Walks from `entry` to the most similar node it can reach on each level from `fromLevel`
    /// down to `toLevel` (exclusive), moving whenever a neighbour is more similar.
    func greedyDescent(
        query: UnsafePointer<Float>, entry: UInt32, fromLevel: Int, toLevel: Int, locked: Bool, scratch: SearchScratch
    ) -> (node: UInt32, similarity: Float) {
        var current = entry
        var currentSimilarity = self.similarity(query, current)
        var level = fromLevel
        let neighbours = scratch.neighbours
        let similarities = scratch.similarities
        while level > toLevel {
            var moved = true
            while moved {
                moved = false
                let count = self.copyNeighbours(of: current, level: level, locked: locked, into: scratch)
                self.similarities(query, neighbours, count: count, into: similarities)
                for i in 0..<count where similarities[i] > currentSimilarity {
                    currentSimilarity = similarities[i]
                    current = neighbours[i]
                    moved = true
                }
            }
            level -= 1
        }
        return (current, currentSimilarity)
    }

    /// Best-first search of one level from `entry`, keeping the `ef` most similar nodes in
    /// `scratch.results` (a min-heap, so the root is the worst kept).
    ///
    /// - `skipDeleted`: tombstoned nodes are traversed (they keep the graph connected) but never
    ///   enter the results; while results are short the search keeps expanding, as hnswlib does.
    /// - `minSimilarity`: while nothing at or above the threshold has been found, the beam is
    ///   narrowed to `narrowWidth` (the caller's `k`): the search stops once the best remaining
    ///   candidate is below the threshold and below the `narrowWidth`-th best node seen, i.e. no
    ///   candidate can beat the threshold or improve even a `k`-wide search. A miss so costs a
    ///   `k`-wide search instead of an `ef`-wide one. As soon as a node at or above the threshold
    ///   turns up, the full `ef` rule applies, so hits are as complete as without a threshold.
    ///   (A greedy walk that stops at the first local maximum below the threshold was measured
    ///   and rejected: on clustered data it lost about a quarter of the near-duplicate hits.)
    ///
    /// Per expanded node the unvisited neighbours are collected first and their similarities
    /// computed in one gather call (`deja_dot_gather_f32`), which starts loading every one of
    /// their vectors before the first product; then they are offered to the heaps in list order,
    /// so the result is the same as scoring them one at a time.
    func searchLayer(
        query: UnsafePointer<Float>, entry: UInt32, entrySimilarity: Float, level: Int, ef: Int,
        skipDeleted: Bool, minSimilarity: Float, narrowWidth: Int = 0, locked: Bool, scratch: SearchScratch
    ) {
        scratch.begin(nodeCount: self.nodeCount)
        // The heaps live in locals for the loop (a class's stored property is re-read, with a
        // dynamic exclusivity check, on every access) and are stored back at the end: growth may
        // have moved their storage.
        var candidates = scratch.candidates
        var results = scratch.results
        var front = scratch.front
        defer {
            scratch.candidates = candidates
            scratch.results = results
            scratch.front = front
        }
        let (tags, epoch) = scratch.visitedState
        let neighbours = scratch.neighbours
        let similarities = scratch.similarities
        let levels = self.levels
        let deleted = self.deleted

        tags[Int(entry)] = epoch
        if !(skipDeleted && deleted[Int(entry)]) {
            results.push(Scored(similarity: entrySimilarity, slot: entry))
        }
        candidates.push(Scored(similarity: -entrySimilarity, slot: entry))
        var lowerBound = results.isEmpty ? -Float.infinity : entrySimilarity
        var best = entrySimilarity
        let checkLevel = level > 0
        let narrowing = minSimilarity > -.infinity && narrowWidth > 0
        if narrowing { front.push(Scored(similarity: entrySimilarity, slot: entry)) }

        while !candidates.isEmpty {
            let candidate = candidates.popMin()
            let candidateSimilarity = -candidate.similarity
            if candidateSimilarity < lowerBound && (results.count >= ef || !skipDeleted) {
                break
            }
            if narrowing && best < minSimilarity && candidateSimilarity < minSimilarity
                && front.count >= narrowWidth && candidateSimilarity < front.min.similarity
            {
                break
            }
            if locked { self.lock(candidate.slot) }
            let count = self.collectUnvisited(
                of: candidate.slot, level: level, tags: tags, epoch: epoch, levels: checkLevel ? levels : nil, into: neighbours
            )
            if locked { self.unlock(candidate.slot) }
            self.similarities(query, neighbours, count: count, into: similarities)
            for i in 0..<count {
                let similarity = similarities[i]
                guard results.count < ef || similarity > lowerBound else { continue }
                let neighbour = neighbours[i]
                candidates.push(Scored(similarity: -similarity, slot: neighbour))
                // A candidate may be expanded soon: start loading its neighbour list.
                self.prefetchLinks(neighbour, level: level)
                if !(skipDeleted && deleted[Int(neighbour)]) {
                    results.offer(Scored(similarity: similarity, slot: neighbour), limit: ef)
                }
                if !results.isEmpty { lowerBound = results.min.similarity }
                if similarity > best { best = similarity }
                if narrowing { front.offer(Scored(similarity: similarity, slot: neighbour), limit: narrowWidth) }
            }
        }
    }

    /// Answers a query with the index's own nodes: up to `k` live nodes with similarity ≥
    /// `minSimilarity`, best first.
    func search(query: UnsafePointer<Float>, k: Int, ef: Int, minSimilarity: Float, scratch: SearchScratch) -> [SearchResult] {
        guard self.entryPoint != Self.noNode, self.liveCount > 0, k > 0 else { return [] }
        let start = self.greedyDescent(
            query: query, entry: self.entryPoint, fromLevel: self.maxLevel, toLevel: 0, locked: false, scratch: scratch
        )
        self.searchLayer(
            query: query, entry: start.node, entrySimilarity: start.similarity, level: 0, ef: max(ef, k),
            skipDeleted: self.tombstoneCount > 0, minSimilarity: minSimilarity, narrowWidth: k, locked: false, scratch: scratch
        )
        var results: [SearchResult] = []
        results.reserveCapacity(k)
        for scored in scratch.results.sortedDescending() {
            guard results.count < k, scored.similarity >= minSimilarity else { break }
            results.append(SearchResult(id: self.labels[Int(scored.slot)], similarity: scored.similarity))
        }
        return results
    }
}
