import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv.staging.lock`: the committable record of staging's config shape, so teammates
/// without staging access get the same keys from the lock alone, and `mirror --check` sees drift.
///
/// Format: JSON, pretty-printed with keys sorted by code point and a final newline. JSON rather than YAML
/// because a lock is machine-written: one canonical spelling per content (stable diffs, no
/// merge noise), and no YAML typing surprises (`7.0` becoming a float, `on`/`no` becoming booleans).
///
/// ```json
/// { "devenv_staging_lock": 1,
///   "keys": { "API_URL": { "value": "https://api.staging.myflow.app" },
///             "DATABASE_URL": { "secret": true, "sha256": "…", "value": "postgres://app@db.example.rds.amazonaws.com/app" },
///             "STRIPE_SECRET_KEY": { "secret": true, "sha256": "…" },
///             "SESSION_KEY": { "digest": "a1b2…", "secret": true } },   // Fly: its digest, no value
///   "source": "preset railway (environment: staging)",
///   "versions": { "<kind>": "15.4" } }
/// ```
///
/// Invariants: no secret value is ever in it. A secret has a digest (`sha256` of
/// `devenv:KEY=VALUE`, salted by the key so equal secrets under two names do not match and
/// precomputed tables do not apply) when staging gave its value; the only secret with a `value`
/// is a database URL whose secrecy is its password, kept with the password removed. A digest
/// still lets anyone test a guess of a weak secret offline: rotate weak secrets, not the lock.
/// A source that hides values but gives its own digest (Fly) has that digest kept as `digest`,
/// so a rotated secret is drift. A name without a value has no `value`: never a placeholder.
public struct StagingLock: Sendable, Equatable {
    public static let fileName = "devenv.staging.lock"
    public static let formatVersion = 1

    public struct Entry: Sendable, Equatable {
        /// Staging's value; for a secret only a password-less database URL, else nil.
        public var value: String?
        public var secret: Bool
        /// For a secret whose value staging gave: `SecretDigest` hex.
        public var sha256: String?
        /// The source's own digest of a value it does not show (Fly's `digest`).
        public var digest: String?

        public init(value: String?, secret: Bool, sha256: String?, digest: String? = nil) {
            self.value = value; self.secret = secret; self.sha256 = sha256; self.digest = digest
        }
    }

    public var keys: [String: Entry]
    public var versions: [String: String]
    /// The source's label (names and argv, never a value).
    public var source: String?

    public init(keys: [String: Entry], versions: [String: String] = [:], source: String? = nil) {
        self.keys = keys; self.versions = versions; self.source = source
    }

    /// The lock for what staging gives now, classifying secrets with the team's rules.
    /// `vocabulary` says which URL schemes are database URLs (kept without their password).
    public init(staging: [StagingVar], rules: MirrorRules, vocabulary: MirrorVocabulary, versions: [String: String] = [:], source: String? = nil) {
        var keys: [String: Entry] = [:]
        for v in staging {
            guard SecretRules.isSecret(v, rules: rules) else {
                keys[v.name] = Entry(value: v.value.map(Redact.forLock), secret: false, sha256: nil, digest: v.digest)
                continue
            }
            let digest = v.value.map { Self.digest(key: v.name, value: $0) }
            keys[v.name] = Entry(value: v.value.flatMap { Self.passwordlessDatabaseURL(v.name, $0, rules: rules, vocabulary: vocabulary) }, secret: true,
                                 sha256: digest, digest: v.digest)
        }
        self.init(keys: keys, versions: versions, source: source)
    }

    /// SHA-256 hex of `devenv:KEY=VALUE`.
    public static func digest(key: String, value: String) -> String { Checksum.sha256("devenv:\(key)=\(value)") }

    /// The variables as the lock knows them (sorted): secrets carry no value (except a
    /// password-less database URL) and are marked secret.
    public var stagingVars: [StagingVar] {
        keys.keys.sorted().map { k in
            let e = keys[k]!
            return StagingVar(name: k, value: e.value, markedSecret: e.secret, digest: e.digest)
        }
    }

    /// A secret that is a database URL only because of its password: the URL without it.
    static func passwordlessDatabaseURL(_ key: String, _ value: String, rules: MirrorRules, vocabulary: MirrorVocabulary) -> String? {
        guard SecretRules.secretWord(in: key) == nil, !rules.isListedSecret(key),
              let url = ConnectionURL(TextScan.trimmingBlanks(value)), url.password != nil else { return nil }
        // The redacted URL has no password by construction: no second parse to check it.
        let redacted = url.redacted
        return !TextScan.contains(redacted, " ") && vocabulary.isConnectionScheme(url.scheme) ? redacted : nil
    }

    /// What a secret's recorded value must be: a URL without a password (devenv writes only
    /// database URLs so; any other value is a secret that leaked into the file).
    static func isPasswordlessURL(_ value: String) -> Bool {
        guard let url = ConnectionURL(value), url.password == nil, !TextScan.contains(value, " ") else { return false }
        return !url.hostNames.isEmpty
    }

    // MARK: - Text

    /// The file's text: canonical JSON with a final newline — two-space indent, `"key" : value`,
    /// keys sorted by Unicode code point (the same order on every platform), `/` not escaped.
    /// Written directly: Foundation's JSONSerialization spends seconds sorting 50,000 keys.
    public func encoded() -> String {
        func object(_ fields: [(String, String)], _ indent: String) -> String { StateJSON.object(fields, indent: indent) }
        var entries: [(String, String)] = []
        entries.reserveCapacity(keys.count)
        for (k, e) in keys {
            var o: [(String, String)] = []
            if let d = e.digest { o.append(("digest", JSONText.string(d))) }
            if e.secret { o.append(("secret", "true")) }
            if let d = e.sha256 { o.append(("sha256", JSONText.string(d))) }
            if let v = e.value { o.append(("value", JSONText.string(v))) }
            entries.append((k, object(o, "    ")))
        }
        var root: [(String, String)] = [("devenv_staging_lock", String(Self.formatVersion)), ("keys", object(entries, "  ")),
                                        ("versions", object(versions.map { ($0.key, JSONText.string($0.value)) }, "  "))]
        if let source { root.append(("source", JSONText.string(source))) }
        return object(root, "") + "\n"
    }

    /// Reads lock text; `file` names it in errors (which never quote its content).
    public static func decode(_ text: String, file: String) throws -> StagingLock {
        func bad(_ why: String) -> DevenvError {
            DevenvError("\(file) is not a valid staging lock: \(why)",
                        hint: "Restore it from git, or run `devenv mirror` with staging access to write it again.", exitCode: .failure)
        }
        guard case .object(let root)? = try? StagingParse.json(text) else { throw bad("it is not a JSON object") }
        guard case .number(let version)? = root["devenv_staging_lock"] else { throw bad("\"devenv_staging_lock\" is missing") }
        guard Int(version) <= formatVersion else { throw bad("it was written by a newer devenv (format \(Int(version)))") }
        var keys: [String: Entry] = [:]
        if case .object(let ks)? = root["keys"] {
            keys.reserveCapacity(ks.count)
            for (k, raw) in ks {
                guard case .object(let o) = raw else { throw bad("key '\(k)' is not an object") }
                var e = Entry(value: nil, secret: false, sha256: nil)
                if case .string(let v)? = o["value"] { e.value = v }
                if case .bool(let s)? = o["secret"] { e.secret = s }
                if case .string(let d)? = o["digest"] { e.digest = d }
                if case .string(let d)? = o["sha256"] {
                    guard d.utf8.count == 64, d.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }) else {
                        throw bad("key '\(k)' has a malformed sha256")
                    }
                    e.sha256 = d.lowercased()
                }
                if e.secret, let v = e.value, !isPasswordlessURL(v) {
                    throw bad("secret key '\(k)' holds a value; a lock keeps only digests of secrets")
                }
                keys[k] = e
            }
        } else if root["keys"] != nil {
            throw bad("\"keys\" is not an object")
        }
        var versions: [String: String] = [:]
        if case .object(let vs)? = root["versions"] {
            for (k, v) in vs { if let t = try? StagingParse.text(v, key: k) { versions[k] = t } }
        }
        var source: String?
        if case .string(let s)? = root["source"] { source = s }
        return StagingLock(keys: keys, versions: versions, source: source)
    }

    /// The lock at `path`, or nil when there is none.
    public static func read(path: String) throws -> StagingLock? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DevenvError("cannot read \(path)", hint: "Check its permissions.", exitCode: .failure)
        }
        return try decode(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Writes the lock atomically, readable by all (it is meant to be committed).
    public func write(path: String) throws {
        try AtomicFile.write(Data(encoded().utf8), to: path, newFileMode: 0o644)
    }
}
