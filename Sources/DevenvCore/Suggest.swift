import Foundation

/// The nearest valid word for a misspelt one (Levenshtein distance, at most a third of its length).
public enum Suggest {
    public static func nearest(_ word: String, among candidates: [String]) -> String? {
        let limit = max(1, word.count / 3 + 1)
        let w = word.lowercased()
        // A shared prefix counts as closer: 'mongo' means 'mongodb' more than 'minio'.
        let scored = candidates.map { c -> (String, Int) in
            let l = c.lowercased()
            let d = distance(w, l)
            return (c, (l.hasPrefix(w) || w.hasPrefix(l)) && d > 0 ? d - 1 : d)
        }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= limit else { return nil }
        return best.0
    }

    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// "; did you mean 'x'?" or "" when nothing is near.
    public static func hint(_ word: String, among candidates: [String]) -> String {
        nearest(word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}
