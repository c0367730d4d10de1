/// Finds, for every word of a text, the longest of a set of phrases (word sequences) that starts
/// there: an Aho–Corasick automaton over word ids, so one pass over the text finds every
/// occurrence of every phrase in time linear in the text plus the phrases (plus one report per
/// occurrence, at most one per phrase length per word). Comparing each phrase at each word
/// instead costs words × phrase length, which a text of repeated capitalised words makes
/// quadratic.
struct PhraseMatcher {
    private var ids: [String: Int] = [:]
    /// Per node: its children by word id, its fallback node, the phrase ending there (or -1),
    /// and the nearest node on its fallback chain where a phrase ends (or -1).
    private var children: [[Int: Int]] = [[:]]
    private var fallback: [Int] = [0]
    private var phraseAt: [Int] = [-1]
    private var outputLink: [Int] = [-1]
    private let lengths: [Int]

    /// A matcher of `phrases` (non-empty, distinct).
    init(_ phrases: [[String]]) {
        lengths = phrases.map(\.count)
        for (index, phrase) in phrases.enumerated() {
            var node = 0
            for word in phrase {
                let id: Int
                if let known = ids[word] {
                    id = known
                } else {
                    id = ids.count
                    ids[word] = id
                }
                if let next = children[node][id] {
                    node = next
                } else {
                    children.append([:])
                    fallback.append(0)
                    phraseAt.append(-1)
                    outputLink.append(-1)
                    children[node][id] = children.count - 1
                    node = children.count - 1
                }
            }
            if phraseAt[node] < 0 { phraseAt[node] = index }
        }
        // Breadth first, so a node's fallback is known before its children's. The root's
        // children fall back to the root.
        var queue = Array(children[0].values)
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for (id, child) in children[node] {
                var candidate = fallback[node]
                while candidate != 0, children[candidate][id] == nil { candidate = fallback[candidate] }
                fallback[child] = children[candidate][id] ?? 0
                outputLink[child] = phraseAt[fallback[child]] >= 0 ? fallback[child] : outputLink[fallback[child]]
                queue.append(child)
            }
        }
    }

    /// For each word of `words`, the index (into the phrases given at creation) of the longest
    /// phrase starting there, or -1.
    func longestPhrases(in words: [String]) -> [Int] {
        var longest = [Int](repeating: -1, count: words.count)
        var node = 0
        for (end, word) in words.enumerated() {
            guard let id = ids[word] else {
                node = 0
                continue
            }
            while node != 0, children[node][id] == nil { node = fallback[node] }
            node = children[node][id] ?? 0
            var output = phraseAt[node] >= 0 ? node : outputLink[node]
            while output >= 0 {
                let phrase = phraseAt[output]
                let start = end - lengths[phrase] + 1
                if longest[start] < 0 || lengths[longest[start]] < lengths[phrase] { longest[start] = phrase }
                output = outputLink[output]
            }
        }
        return longest
    }
}
