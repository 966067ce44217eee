import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// What `devenv mirror` did (or, with `--check`, found): `{"keys":[…],"drift":[…],"source",
/// "target","removed":[…],"source_error"}`.
///
/// Invariant: nothing in it holds a secret value. Keys encode `MirroredKey`'s shown value
/// (secrets never, URL passwords masked); drift details never quote a secret.
public struct MirrorReport: Encodable {
    /// What happened to a key in the target file.
    public enum Action: String, Encodable, Sendable {
        /// Appended to the file.
        case added
        /// Its value replaced in place.
        case updated
        /// Already had the mirrored value.
        case unchanged
        /// A person changed it by hand; their value was kept (`--force` overwrites).
        case keptLocalValue = "kept_local_value"
        /// Nothing written: a secret left out (`secrets: omit`), or a name no `.env` can hold.
        case omitted
    }

    public struct Key: Encodable {
        public var mirrored: MirroredKey
        /// The `.env` file (relative to the project root) the key goes to.
        public var file: String
        /// Nil with `--check` (nothing is written).
        public var action: Action?
        /// `env:` in devenv.yml also manages the key in this file: its value is the one written.
        public var envManaged: Bool

        enum CodingKeys: String, CodingKey { case file, action, envManaged = "env_managed" }
        public func encode(to encoder: Encoder) throws {
            try mirrored.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(action, forKey: .action)
            try c.encode(envManaged, forKey: .envManaged)
        }
    }

    public var keys: [Key]
    public var drift: [DriftItem]
    /// Where staging's keys came from: the source's label, or the lock.
    public var source: String
    /// The `.env` file mirrored keys go to.
    public var target: String
    /// Remarks for people (staging unreachable, keys gone from staging, a lock written).
    public var notes: [String]
    /// Nothing was written (`--check`, `--dry-run`).
    public var dryRun: Bool
    /// Keys mirror had written that staging no longer has, removed from the target (or, with
    /// `--dry-run`, that would be).
    public var removed: [String]
    /// `--check` could not read staging: why (`could not read staging: …`). The check failed.
    public var sourceError: DevenvError?

    public init(keys: [Key], drift: [DriftItem], source: String, target: String, notes: [String], dryRun: Bool,
                removed: [String] = [], sourceError: DevenvError? = nil) {
        self.keys = keys; self.drift = drift; self.source = source; self.target = target; self.notes = notes
        self.dryRun = dryRun; self.removed = removed; self.sourceError = sourceError
    }

    enum CodingKeys: String, CodingKey { case keys, drift, source, target, removed, sourceError = "source_error" }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(keys, forKey: .keys)
        try c.encode(drift, forKey: .drift)
        try c.encode(source, forKey: .source)
        try c.encode(target, forKey: .target)
        try c.encode(removed, forKey: .removed)
        try c.encode(sourceError?.message, forKey: .sourceError)
    }

    /// One line per key for a terminal (`  KEY  kind  action  explanation`) as one text (no
    /// final newline), built in one buffer: 50,000 keys print in one write.
    public func keyText() -> String {
        let width = min(keys.map { TextScan.width($0.mirrored.key) }.max() ?? 0, 40)
        var out = ""
        out.reserveCapacity(keys.count * 96)
        let kinds = Dictionary(uniqueKeysWithValues: MirroredKey.Kind.allCases.map { ($0, TextScan.padded($0.rawValue, to: 14)) })
        var actions: [Action: String] = [:]
        for (i, k) in keys.enumerated() {
            if i > 0 { out += "\n" }
            out += "  "
            out += k.mirrored.key
            let pad = width - TextScan.width(k.mirrored.key)
            if pad > 0 { out += String(repeating: " ", count: pad) }
            out += "  "
            out += kinds[k.mirrored.kind]!
            out += "  "
            if let action = k.action {
                if actions[action] == nil { actions[action] = Self.describe(action, dryRun: dryRun) + "  " }
                out += actions[action]!
            }
            if k.envManaged { out += "`devenv env` manages it in \(k.file) and wins; staging's maps as: " }
            out += k.mirrored.explanation
        }
        return out
    }

    static func describe(_ action: Action, dryRun: Bool) -> String {
        let words: String
        switch action {
        case .added: words = dryRun ? "would add" : "added"
        case .updated: words = dryRun ? "would update" : "updated"
        case .unchanged: words = "unchanged"
        case .keptLocalValue: words = "kept yours"
        case .omitted: words = "left out"
        }
        return TextScan.padded(words, to: 12)
    }
}
