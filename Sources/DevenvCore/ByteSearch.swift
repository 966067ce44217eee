/// Substring search on UTF-8 bytes. The standard library's `firstRange(of:)` on a `UTF8View`
/// runs unspecialised generic code (about 70,000 instructions a call in a release build,
/// most of loading two kinds); Foundation's `contains` bridges. This is a plain loop.
public enum ByteSearch {
    /// Whether `needle`'s bytes occur in `text`'s.
    public static func contains(_ text: String, _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard let first = n.first else { return true }
        var text = text
        return text.withUTF8 { hay in
            guard hay.count >= n.count else { return false }
            for i in 0...(hay.count - n.count) where hay[i] == first {
                var k = 1
                while k < n.count, hay[i + k] == n[k] { k += 1 }
                if k == n.count { return true }
            }
            return false
        }
    }
}
