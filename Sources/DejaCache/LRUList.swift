/// A doubly-linked recency list over entry ids: O(1) touch, insert, remove and take-oldest.
struct LRUList {
    private struct Links {
        var prev: UInt64?
        var next: UInt64?
    }

    private var links: [UInt64: Links] = [:]
    /// Most recently used.
    private(set) var head: UInt64?
    /// Least recently used.
    private(set) var tail: UInt64?

    var count: Int { links.count }

    mutating func insertAtHead(_ id: UInt64) {
        precondition(links[id] == nil, "id already in the LRU list")
        links[id] = Links(prev: nil, next: head)
        if let head { links[head]?.prev = id }
        head = id
        if tail == nil { tail = id }
    }

    mutating func remove(_ id: UInt64) {
        guard let node = links.removeValue(forKey: id) else { return }
        if let prev = node.prev { links[prev]?.next = node.next } else { head = node.next }
        if let next = node.next { links[next]?.prev = node.prev } else { tail = node.prev }
    }

    mutating func touch(_ id: UInt64) {
        guard head != id, links[id] != nil else { return }
        remove(id)
        insertAtHead(id)
    }

    mutating func removeAll() {
        links.removeAll()
        head = nil
        tail = nil
    }

    /// Ids from least to most recently used (tests and diagnostics).
    func oldestFirst() -> [UInt64] {
        var ids: [UInt64] = []
        var cursor = tail
        while let id = cursor {
            ids.append(id)
            cursor = links[id]?.prev
        }
        return ids
    }
}
