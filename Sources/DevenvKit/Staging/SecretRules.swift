import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Deciding whether a staging variable is a secret. A secret's value never reaches the lock,
/// the terminal, a log or an error; locally it becomes a placeholder unless kept.
///
/// A key is secret when the source marks it so (SSM `SecureString`, Fly), when `secret:` lists
/// it, when its name says so, or when its value does (a URL with a password, a known token
/// shape). Names shipped to browsers by design (`NEXT_PUBLIC_`, `VITE_`, …) or saying
/// `PUBLIC`/`PUBLISHABLE` are not secret by name.
public enum SecretRules {
    /// Why `v` is a secret (for explanations), or nil when it is not. Never quotes the value.
    public static func reason(_ v: StagingVar, rules: MirrorRules) -> String? {
        if rules.isListedSecret(v.name) { return "listed under secret:" }
        if v.markedSecret { return "the source marks it secret" }
        if let word = secretWord(in: v.name) { return "its name says \(word)" }
        guard let value = v.value else { return nil }
        if Redact.hasCredentials(value) { return "its URL carries a password" }
        if let shape = tokenShape(value) { return "its value looks like \(shape)" }
        return nil
    }

    public static func isSecret(_ v: StagingVar, rules: MirrorRules) -> Bool { reason(v, rules: rules) != nil }

    /// Prefixes bundlers expose to browsers: such values are public by construction.
    static let publicPrefixes = ["NEXT_PUBLIC_", "VITE_", "EXPO_PUBLIC_", "REACT_APP_", "PUBLIC_", "NUXT_PUBLIC_", "GATSBY_", "SVELTEKIT_PUBLIC_"]

    /// The word of `name` that makes it secret, or nil.
    public static func secretWord(in name: String) -> String? {
        if let ascii = asciiSecretWord(name) { return ascii }
        return unicodeSecretWord(name)
    }

    /// The rules on the upper-cased name's words, for any name.
    static func unicodeSecretWord(_ name: String) -> String? {
        let (upper, words) = upperWords(name)
        if publicPrefixes.contains(where: { upper.hasPrefix($0) }) { return nil }
        if words.contains(where: { $0 == "PUBLIC" || $0 == "PUBLISHABLE" }) { return nil }
        for (i, w) in words.enumerated() {
            let last = i == words.count - 1
            if TextScan.contains(w, "SECRET") { return "SECRET" }
            if w.hasSuffix("TOKEN") { return "TOKEN" }
            if TextScan.contains(w, "PASSWORD") || TextScan.contains(w, "PASSWD") || w == "PASS" || w == "PASSPHRASE" { return "PASSWORD" }
            if w == "PRIVATE" || w.hasSuffix("PRIVATEKEY") { return "PRIVATE" }
            if w.hasPrefix("CREDENTIAL") { return "CREDENTIALS" }
            if w == "DSN" || w.hasSuffix("DSN") { return "DSN" }
            if w == "SALT" || w == "PEPPER" { return w }
            if last && (w == "KEY" || w == "KEYS" || w.hasSuffix("APIKEY") || w.hasSuffix("ACCESSKEY")) { return "_KEY" }
            if last && w == "AUTH" { return "AUTH" }
        }
        return nil
    }

    /// `secretWord` for an ASCII name (nearly all of them), on its bytes without building the
    /// upper-cased name or its words; nil for a name with other characters. Same rules, same answers.
    static func asciiSecretWord(_ name: String) -> String?? {
        var name = name
        return name.withUTF8 { raw -> String?? in
            guard raw.allSatisfy({ $0 < 0x80 }) else { return nil }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(raw.count, 1)) { buffer in
                for i in 0..<raw.count { let c = raw[i]; buffer[i] = c >= 0x61 && c <= 0x7A ? c - 0x20 : c }
                let u = UnsafeBufferPointer(rebasing: buffer[0..<raw.count])
                // Every rule below needs one of these words in the name; most names have none.
                func at(_ i: Int, _ t: StaticString) -> Bool {
                    let n = t.utf8CodeUnitCount
                    return i + n <= u.count && memcmp(u.baseAddress! + i, t.utf8Start, n) == 0
                }
                var triggered = false
                for i in 0..<u.count where !triggered {
                    switch u[i] {
                    case UInt8(ascii: "S"): triggered = at(i, "SECRET") || at(i, "SALT")
                    case UInt8(ascii: "T"): triggered = at(i, "TOKEN")
                    case UInt8(ascii: "P"): triggered = at(i, "PASS") || at(i, "PRIVATE") || at(i, "PEPPER")
                    case UInt8(ascii: "C"): triggered = at(i, "CREDENTIAL")
                    case UInt8(ascii: "D"): triggered = at(i, "DSN")
                    case UInt8(ascii: "K"): triggered = at(i, "KEY")
                    case UInt8(ascii: "A"): triggered = at(i, "AUTH")
                    default: break
                    }
                }
                guard triggered else { return .some(nil) }
                if publicPrefixes.contains(where: { u.starts(with: $0.utf8) }) { return .some(nil) }
                var words: [Range<Int>] = []
                var start: Int?
                for i in 0...u.count {
                    let alnum = i < u.count && ((u[i] >= 0x41 && u[i] <= 0x5A) || (u[i] >= 0x30 && u[i] <= 0x39))
                    if alnum { if start == nil { start = i } } else if let s = start { words.append(s..<i); start = nil }
                }
                func w(_ r: Range<Int>) -> Slice<UnsafeBufferPointer<UInt8>> { u[r] }
                func eq(_ r: Range<Int>, _ t: String) -> Bool { w(r).elementsEqual(t.utf8) }
                func suffix(_ r: Range<Int>, _ t: String) -> Bool { r.count >= t.utf8.count && w(r).suffix(t.utf8.count).elementsEqual(t.utf8) }
                func prefix(_ r: Range<Int>, _ t: String) -> Bool { w(r).starts(with: t.utf8) }
                func has(_ r: Range<Int>, _ t: String) -> Bool {
                    let n = t.utf8.count
                    guard r.count >= n else { return false }
                    return (r.lowerBound...(r.upperBound - n)).contains { u[$0..<($0 + n)].elementsEqual(t.utf8) }
                }
                if words.contains(where: { eq($0, "PUBLIC") || eq($0, "PUBLISHABLE") }) { return .some(nil) }
                for (i, r) in words.enumerated() {
                    let last = i == words.count - 1
                    if has(r, "SECRET") { return "SECRET" }
                    if suffix(r, "TOKEN") { return "TOKEN" }
                    if has(r, "PASSWORD") || has(r, "PASSWD") || eq(r, "PASS") || eq(r, "PASSPHRASE") { return "PASSWORD" }
                    if eq(r, "PRIVATE") || suffix(r, "PRIVATEKEY") { return "PRIVATE" }
                    if prefix(r, "CREDENTIAL") { return "CREDENTIALS" }
                    if eq(r, "DSN") || suffix(r, "DSN") { return "DSN" }
                    if eq(r, "SALT") { return "SALT" }
                    if eq(r, "PEPPER") { return "PEPPER" }
                    if last && (eq(r, "KEY") || eq(r, "KEYS") || suffix(r, "APIKEY") || suffix(r, "ACCESSKEY")) { return "_KEY" }
                    if last && eq(r, "AUTH") { return "AUTH" }
                }
                return .some(nil)
            }
        }
    }

    /// The name upper-cased, and its words (runs of letters and digits). ASCII names, nearly
    /// all of them, are split byte by byte; the result is the same as the Unicode-aware split.
    static func upperWords(_ name: String) -> (String, [String]) {
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else {
            let upper = name.uppercased()
            return (upper, upper.split { !($0.isLetter || $0.isNumber) }.map(String.init))
        }
        let bytes = name.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        let words = bytes.split { !(($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39)) }
        return (String(decoding: bytes, as: UTF8.self), words.map { String(decoding: $0, as: UTF8.self) })
    }

    /// Value shapes of well-known credentials, by prefix.
    static let shapes: [(prefix: String, what: String)] = [
        ("sk_live_", "a Stripe secret key"), ("sk_test_", "a Stripe secret key"), ("rk_live_", "a Stripe restricted key"),
        ("rk_test_", "a Stripe restricted key"), ("whsec_", "a webhook signing secret"), ("ghp_", "a GitHub token"),
        ("github_pat_", "a GitHub token"), ("gho_", "a GitHub token"), ("glpat-", "a GitLab token"), ("xoxb-", "a Slack token"),
        ("xoxp-", "a Slack token"), ("AKIA", "an AWS access key id"), ("ASIA", "an AWS access key id"),
        ("-----BEGIN", "a PEM private key"), ("sk-", "an API secret key"), ("SG.", "a SendGrid key"),
        ("https://hooks.slack.com/", "a Slack webhook URL"), ("https://discord.com/api/webhooks/", "a Discord webhook URL"),
    ]

    /// The first bytes the shapes start with: most values are rejected on it alone.
    static let shapeStarts = Set(shapes.compactMap { $0.prefix.utf8.first })

    static func tokenShape(_ value: String) -> String? {
        guard let first = value.utf8.first(where: { $0 != 0x20 && $0 != 0x09 }), shapeStarts.contains(first) || first >= 0x80 else { return nil }
        let v = TextScan.trimmingBlanks(value)
        guard v.count >= 16, !TextScan.contains(v, " ") || v.hasPrefix("-----BEGIN") else { return nil }
        guard let hit = shapes.first(where: { v.hasPrefix($0.prefix) }) else { return nil }
        if hit.prefix == "AKIA" || hit.prefix == "ASIA" {  // exactly 20 upper-case letters and digits
            return v.count == 20 && v.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) ? hit.what : nil
        }
        return hit.what
    }

    /// The placeholder for a secret that is not copied (`__SET_ME__STRIPE_SECRET_KEY`).
    public static func placeholder(_ key: String) -> String { "__SET_ME__" + key }
}
