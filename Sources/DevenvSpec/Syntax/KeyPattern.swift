import DevenvCore
/// Key name patterns: exact names, or `*` standing for any run of characters.
public enum KeyPattern {
    public static func matches(_ pattern: String, _ key: String) -> Bool {
        guard pattern.contains("*") else { return pattern == key }
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        var rest = Substring(key)
        for (i, part) in parts.enumerated() {
            if i == 0 {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if i == parts.count - 1 {
                return part.isEmpty || (rest.count >= part.count && rest.hasSuffix(part))
            } else if !part.isEmpty {
                guard let r = rest.range(of: part) else { return false }
                rest = rest[r.upperBound...]
            }
        }
        return true
    }
}
