public import Foundation

/// Saving and loading an ``HNSWIndex`` in the ``IndexFile`` container.
///
/// Payload, little-endian:
/// ```
/// M, efConstruction, efSearch (UInt32 each), seed, level-generator state (UInt64 each),
/// compactionThreshold (Float64 bits), buildThreads (UInt32),
/// slot count (UInt64), entry point (UInt32, 0xFFFFFFFF when empty), top level (Int32),
/// ids (UInt64 × slots), levels (UInt8 × slots), tombstone flags (UInt8 × slots),
/// unit vectors (Float32 × slots × dimension), level-0 lists ((1 + 2M) UInt32 × slots),
/// upper lists: for each slot of level L > 0, L lists of (1 + M) UInt32.
/// ```
/// Loading validates every count, level and node id, so a file that passes the checksum but
/// disagrees with itself is still rejected rather than trusted.
extension HNSWIndex {
    /// Writes the index to `url` atomically (a temporary file renamed into place).
    public func write(to url: URL) throws(IndexError) {
        try IndexFile.write(self.serialized(), to: url)
    }

    /// Reads an index written by ``write(to:)``.
    public static func read(from url: URL) throws(IndexError) -> HNSWIndex {
        try Self.deserialize(IndexFile.readBytes(from: url))
    }

    /// The index as the bytes ``write(to:)`` stores.
    public func serialized() -> [UInt8] {
        self.graph.withReadLock { graph in
            let c = self.configuration
            let n = graph.nodeCount
            var payload = ByteWriter()
            payload.reserveCapacity(64 + n * (8 + 2 + 4 * (self.dimension + graph.linkStride0)) + graph.upperCount * 4)
            payload.append(UInt32(c.m))
            payload.append(UInt32(c.efConstruction))
            payload.append(UInt32(c.efSearch))
            payload.append(c.seed)
            payload.append(graph.rng.state)
            payload.append(c.compactionThreshold.bitPattern)
            payload.append(UInt32(c.buildThreads))
            payload.append(UInt64(n))
            payload.append(graph.entryPoint)
            payload.append(Int32(graph.maxLevel))
            payload.appendRaw(graph.labels, count: n)
            payload.appendRaw(graph.levels, count: n)
            for slot in 0..<n { payload.append(UInt8(graph.deleted[slot] ? 1 : 0)) }
            payload.appendRaw(graph.vectors, count: n * self.dimension)
            payload.appendRaw(graph.links0, count: n * graph.linkStride0)
            for slot in 0..<n where graph.levels[slot] > 0 {
                let words = Int(graph.levels[slot]) * graph.linkStrideUpper
                payload.appendRaw(graph.upperLinks + Int(graph.upperOffset[slot]), count: words)
            }
            return IndexFile.encode(kind: .hnsw, dimension: self.dimension, payload: payload)
        }
    }

    /// Rebuilds an index from ``serialized()`` bytes, rejecting truncated, corrupted or foreign input.
    public static func deserialize(_ bytes: [UInt8]) throws(IndexError) -> HNSWIndex {
        var (dimension, reader) = try IndexFile.decode(bytes, expecting: .hnsw)
        var configuration = Configuration()
        configuration.m = Int(try reader.read(UInt32.self))
        configuration.efConstruction = Int(try reader.read(UInt32.self))
        configuration.efSearch = Int(try reader.read(UInt32.self))
        configuration.seed = try reader.read()
        let rngState: UInt64 = try reader.read()
        configuration.compactionThreshold = Double(bitPattern: try reader.read())
        configuration.buildThreads = Int(try reader.read(UInt32.self))
        do { try configuration.validate() } catch { throw .corruptedFile }

        let graph = Self.makeGraph(dimension, configuration, capacity: 0)
        let stride0 = graph.linkStride0
        let n = try reader.readCount(elementSize: 8 + 2 + 4 * (dimension + stride0))
        let entryPoint: UInt32 = try reader.read()
        let maxLevel = Int(try reader.read(Int32.self))
        graph.reserve(additionalNodes: n)
        try reader.readRaw(into: graph.labels, count: n)
        try reader.readRaw(into: graph.levels, count: n)
        let flags = try reader.readArray(of: UInt8.self, count: n)
        try reader.readRaw(into: graph.vectors, count: n * dimension)
        try reader.readRaw(into: graph.links0, count: n * stride0)
        graph.nodeCount = n

        var upperWords = 0
        for slot in 0..<n {
            guard Int(graph.levels[slot]) <= HNSWGraph.maximumLevel, flags[slot] <= 1 else { throw .corruptedFile }
            upperWords += Int(graph.levels[slot]) * graph.linkStrideUpper
        }
        graph.reserve(upperWords: upperWords)
        for slot in 0..<n where graph.levels[slot] > 0 {
            let words = Int(graph.levels[slot]) * graph.linkStrideUpper
            graph.upperOffset[slot] = UInt32(graph.upperCount)
            try reader.readRaw(into: graph.upperLinks + graph.upperCount, count: words)
            graph.upperCount += words
        }
        guard reader.isAtEnd else { throw .corruptedFile }

        // Structure: every list within its capacity and pointing at existing slots, ids unique
        // among live nodes, the entry point on the top level.
        graph.slotOfID.reserveCapacity(n)
        for slot in 0..<n {
            graph.deleted[slot] = flags[slot] == 1
            let node = UInt32(slot)
            for level in 0...Int(graph.levels[slot]) {
                let list = graph.links(node, level: level)
                let capacity = level == 0 ? graph.m0 : graph.m
                guard Int(list[0]) <= capacity else { throw .corruptedFile }
                for i in 0..<Int(list[0]) where Int(list[1 + i]) >= n { throw .corruptedFile }
            }
            if graph.deleted[slot] {
                graph.freeSlots.append(node)
            } else if graph.slotOfID.updateValue(node, forKey: graph.labels[slot]) != nil {
                throw .corruptedFile
            }
        }
        if n == 0 {
            guard entryPoint == HNSWGraph.noNode else { throw .corruptedFile }
        } else {
            guard Int(entryPoint) < n, maxLevel == Int(graph.levels[Int(entryPoint)]) else { throw .corruptedFile }
            graph.entryPoint = entryPoint
            graph.maxLevel = maxLevel
        }
        graph.rng = SplitMix64(seed: rngState)
        return HNSWIndex(dimension: dimension, configuration: configuration, graph: graph)
    }
}
