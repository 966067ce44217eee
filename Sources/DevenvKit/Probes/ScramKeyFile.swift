import Foundation
import DevenvCore

/// The salted passwords of earlier SCRAM logins, kept in `$DEVENV_HOME/cache/scram-keys.json`
/// (0600, beside the credentials they derive from), so that a probe does not run PBKDF2's 4,096
/// rounds again in every `up` (a third of a warm `up`'s instructions). Keyed by the password's
/// SHA-256, the server's salt and its round count: a new password or a server initialised
/// again has another salt, hence another key.
///
/// A cache, not state: a file it cannot read or write costs one PBKDF2 and is replaced, never
/// a failure. It holds at most `limit` keys, the newest.
enum ScramKeyFile {
    /// Set by `DevenvContext` from `DevenvPaths`; nil (tests without a home) keeps nothing on disk.
    static let path = Locked<String?>(nil)
    static let limit = 64

    static func read(_ key: String) -> [UInt8]? { path.with { $0 }.flatMap { read(key, at: $0) } }
    static func write(_ key: String, _ salted: [UInt8]) { if let p = path.with({ $0 }) { write(key, salted, at: p) } }

    /// The salted password kept for `key`: 32 bytes, or nil.
    static func read(_ key: String, at path: String) -> [UInt8]? {
        guard let entries = entries(path) else { return nil }
        return entries.last { $0[0] == key }.flatMap { Data(base64Encoded: $0[1]) }.map { [UInt8]($0) }.flatMap { $0.count == 32 ? $0 : nil }
    }

    static func write(_ key: String, _ salted: [UInt8], at path: String) {
        var kept = (entries(path) ?? []).filter { $0[0] != key }
        kept.append([key, Data(salted).base64EncodedString()])
        guard let data = try? JSONSerialization.data(withJSONObject: Array(kept.suffix(limit))) else { return }
        try? AtomicFile.write(data, to: path, newFileMode: 0o600)
    }

    /// `[[key, base64], …]`, oldest first; nil when missing or not that shape.
    static func entries(_ path: String) -> [[String]]? {
        guard let data = FileManager.default.contents(atPath: path),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String]] else { return nil }
        return list.filter { $0.count == 2 }
    }
}
