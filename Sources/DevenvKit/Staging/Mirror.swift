import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// One staging key as it goes into the local config, and why.
///
/// Invariant: encoding (`--json`) writes `shownValue`, never `localValue`; a secret's value is
/// never shown, URL passwords are masked.
public struct MirroredKey: Sendable, Equatable, Encodable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A database, cache or object-store setting pointed at the local stack.
        case infrastructure
        /// A URL or host of the team's own staging apps, through `rewrite:`.
        case rewritten
        /// A secret not copied: a placeholder, or left out (`localValue` nil).
        case secret
        /// Staging's value as is.
        case copied
        /// `override:` in `devenv.yml`.
        case overridden
        /// Listed under `keep:`: staging's value copied even though it is a secret.
        case kept
    }

    public var key: String
    /// The value for the local `.env` files; nil means leave the key out.
    public var localValue: String?
    public var kind: Kind
    public var explanation: String
    /// Staging's value is a secret: the lock keeps a digest of it, never the value.
    public var secret: Bool

    public init(key: String, localValue: String?, kind: Kind, explanation: String, secret: Bool) {
        self.key = key; self.localValue = localValue; self.kind = kind; self.explanation = explanation; self.secret = secret
    }

    /// True when the local value is the secret placeholder.
    public var isPlaceholder: Bool { localValue == SecretRules.placeholder(key) }

    /// What may be printed of the local value: nil for a secret (staging's, or a local password
    /// or key by name); URL passwords masked. An infrastructure URL is local, so it shows, masked.
    public var shownValue: String? {
        guard let v = localValue else { return nil }
        if isPlaceholder { return v }
        return valuesPrintable ? Redact.forDisplay(v) : nil
    }

    /// Values of this key may be printed (with URL passwords masked).
    public var valuesPrintable: Bool {
        SecretRules.secretWord(in: key) == nil && !(secret && kind != .infrastructure)
    }

    enum CodingKeys: String, CodingKey { case key, kind, value, secret, explanation }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(kind, forKey: .kind)
        try c.encode(shownValue, forKey: .value)
        try c.encode(secret, forKey: .secret)
        try c.encode(explanation, forKey: .explanation)
    }
}

/// Mapping staging's variables to local values.
public enum Mirror {
    /// Every staging variable, in order, then each `override:` key staging lacks.
    /// Precedence per key: `override` → `keep` → infrastructure → secret → `rewrite` → copy.
    public static func map(_ vars: [StagingVar], rules: MirrorRules, local: LocalServices) -> [MirroredKey] {
        let rewrite = HostRewrite(rules.rewrite)
        var out = vars.map { one($0, rules: rules, local: local, rewrite: rewrite) }
        let seen = Set(vars.map(\.name))
        var added = Set<String>()
        for (key, value) in rules.override where !seen.contains(key) && added.insert(key).inserted {
            out.append(MirroredKey(key: key, localValue: rules.overrideValue(key) ?? value, kind: .overridden,
                                   explanation: "override: in devenv.yml (staging has no such key)",
                                   secret: SecretRules.secretWord(in: key) != nil || rules.isListedSecret(key)))
        }
        return out
    }

    static func one(_ v: StagingVar, rules: MirrorRules, local: LocalServices, rewrite: HostRewrite) -> MirroredKey {
        let reason = SecretRules.reason(v, rules: rules)
        let secret = reason != nil
        func key(_ value: String?, _ kind: MirroredKey.Kind, _ why: String) -> MirroredKey {
            MirroredKey(key: v.name, localValue: value, kind: kind, explanation: why, secret: secret)
        }
        let unset = rules.secrets == .placeholder ? SecretRules.placeholder(v.name) : nil
        let unsetNote = rules.secrets == .placeholder ? "a placeholder" : "left out"

        if let o = rules.overrideValue(v.name) {
            return key(o, .overridden, "override: in devenv.yml wins over staging")
        }
        if rules.isKept(v.name) {
            guard let value = v.value else {
                return key(unset, .kept, "listed under keep:, but staging gives the name only: \(unsetNote); set it by hand")
            }
            return key(value, .kept, "listed under keep: staging's value copied" + (secret ? " (a secret, kept on purpose)" : ""))
        }
        let hit = InfraMapping.map(v, local: local)
        if let hit, let value = hit.localValue {
            return key(value, .infrastructure, hit.explanation)
        }
        let note = hit.map { "; \($0.explanation)" } ?? ""
        guard let value = v.value, !secret else {
            let why = reason ?? "staging gives the name only"
            return key(unset, .secret, "secret (\(why)): \(unsetNote); set it by hand or list it under keep:\(note)")
        }
        if let rw = rewrite.apply(value) {
            let pairs = rw.replaced.map { "\($0.from) → \($0.to)" }
            return key(rw.value, .rewritten, "rewrite: " + unique(pairs).joined(separator: ", "))
        }
        return key(value, .copied, "copied as is" + note + stagingHostHint(value))
    }

    /// "; it points at staging host X: …" when a copied value names a host that looks like staging.
    static func stagingHostHint(_ value: String) -> String {
        guard TextScan.hasSchemeSeparator(value) else { return "" }
        let words: Set<String> = ["staging", "stage", "stg", "preview"]
        // Pieces between ASCII separators, cut on the bytes (Character comparisons cost more).
        let bytes = Array(value.utf8)
        var pieces: [String] = []
        var start = 0
        for i in 0...bytes.count where i == bytes.count || [0x2C, 0x20, 0x22, 0x27, 0x5B, 0x5D].contains(bytes[i]) {
            if i > start { pieces.append(String(decoding: bytes[start..<i], as: UTF8.self)) }
            start = i + 1
        }
        for piece in pieces where TextScan.hasSchemeSeparator(piece) {
            guard let url = ConnectionURL(piece), let host = url.hostNames.first else { continue }
            if host.split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "_" }).contains(where: { words.contains($0.lowercased()) }) {
                return "; it points at \(host): map it under rewrite: to use a local app"
            }
        }
        return ""
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
