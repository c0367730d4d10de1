/// Gives a request that shared another's upstream call (a coalesced follower) its own completion
/// id, as a cache hit gets one: clients and `/api/cache/feedback` key on the id, and two answers
/// must not look like one. The leader's bytes are rewritten, not re-serialised: the first quoted
/// occurrence of the leader's id (the `id` member, which comes first in every OpenAI body and
/// chunk) becomes the new id.
struct CompletionIDRewriter: Sendable {
    let leaderID: [UInt8]
    let ownID: [UInt8]

    /// The rewriter for a body or chunk whose `id` is the leader's; nil when it has none.
    init?(leaderBody: [UInt8], ownID: String = ChatCompletionsHandler.newCompletionID()) {
        guard let id = ChatCompletionsHandler.completionID(leaderBody), !id.isEmpty else { return nil }
        self.leaderID = Array(("\"" + id + "\"").utf8)
        self.ownID = Array(("\"" + ownID + "\"").utf8)
    }

    var id: String { String(decoding: ownID.dropFirst().dropLast(), as: UTF8.self) }

    func rewrite(_ bytes: [UInt8]) -> [UInt8] {
        guard let start = Self.firstIndex(of: leaderID, in: bytes) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count - leaderID.count + ownID.count)
        out += bytes[..<start]
        out += ownID
        out += bytes[(start + leaderID.count)...]
        return out
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
