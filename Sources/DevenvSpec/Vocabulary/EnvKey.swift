import DevenvCore
/// Environment variable names devenv may write.
public enum EnvKey {
    /// Whether `key` is `[A-Za-z_][A-Za-z0-9_]*`, the portable environment variable names
    /// every reader and shell accepts.
    public static func isValid(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || ("A"..."Z").contains(first) || ("a"..."z").contains(first)
        else { return false }
        return key.unicodeScalars.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}
