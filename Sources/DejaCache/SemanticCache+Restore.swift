extension SemanticCache {
    /// Every live entry (resynchronisation).
    func allEntries() -> [CacheEntry] { store.allEntries() }

    /// Removes entries by id without publishing (a peer announced the removal, or Redis holds a
    /// tombstone for them); returns how many were held.
    @discardableResult
    func removeLocally(_ ids: Set<UInt64>) -> Int {
        guard !ids.isEmpty else { return 0 }
        return store.remove { ids.contains($0.id) }.count
    }

    /// Removes the entries an invalidation barrier covers, without publishing; returns them.
    @discardableResult
    func removeLocally(where predicate: (CacheEntry) -> Bool) -> [CacheEntry] {
        store.remove(where: predicate)
    }
}
