public import Foundation

/// Saving and loading a ``FlatIndex`` in the ``IndexFile`` container.
///
/// Payload: entry count (UInt64), the ids (UInt64 each), then the unit vectors row-major (Float32).
extension FlatIndex {
    /// Writes the index to `url` atomically (a temporary file renamed into place).
    public func write(to url: URL) throws(IndexError) {
        try IndexFile.write(self.serialized(), to: url)
    }

    /// Reads an index written by ``write(to:)``.
    public static func read(from url: URL) throws(IndexError) -> FlatIndex {
        try Self.deserialize(IndexFile.readBytes(from: url))
    }

    /// The index as the bytes ``write(to:)`` stores.
    public func serialized() -> [UInt8] {
        self.storage.withReadLock { storage in
            var payload = ByteWriter()
            payload.reserveCapacity(8 + storage.ids.count * (8 + 4 * self.dimension))
            payload.append(UInt64(storage.ids.count))
            payload.appendRaw(storage.ids)
            payload.appendRaw(storage.vectors)
            return IndexFile.encode(kind: .flat, dimension: self.dimension, payload: payload)
        }
    }

    /// Rebuilds an index from ``serialized()`` bytes, rejecting truncated, corrupted or foreign input.
    public static func deserialize(_ bytes: [UInt8]) throws(IndexError) -> FlatIndex {
        var (dimension, reader) = try IndexFile.decode(bytes, expecting: .flat)
        let count = try reader.readCount(elementSize: 8 + 4 * dimension)
        var storage = Storage()
        storage.ids = try reader.readArray(of: UInt64.self, count: count)
        storage.vectors = try reader.readArray(of: Float.self, count: count * dimension)
        guard reader.isAtEnd else { throw .corruptedFile }
        storage.rowOfID.reserveCapacity(count)
        for (row, id) in storage.ids.enumerated() {
            guard storage.rowOfID.updateValue(row, forKey: id) == nil else { throw .corruptedFile }
        }
        guard storage.vectors.allSatisfy(\.isFinite) else { throw .corruptedFile }
        return FlatIndex(dimension: dimension, storage: storage)
    }
}
