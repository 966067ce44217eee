import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The `rewrite:` host map: the team's own staging hosts → local ones, applied to every URL
/// and bare host inside a value, so lists work in any spelling (`a,b`, `a b`, `["a","b"]`).
///
/// - A key is `host` (any port matches) or `host:port`; a scheme or trailing `/` on it is ignored.
/// - A target is `host:port` or `scheme://host:port`. Without a scheme, a URL to a local target
///   (`localhost`, `127.0.0.1`, `*.localhost`) drops TLS: `https` → `http`, `wss` → `ws`.
/// - A bare host token (`ALLOWED_HOSTS=api.staging.x`) becomes the target's `host:port` as written.
/// Invariant: everything but the matched hosts (paths, queries, separators) is kept byte for byte.
public struct HostRewrite: Sendable {
    struct Target: Sendable { var scheme: String?; var hostPort: String }
    let map: [String: Target]

    public init(_ map: [String: String]) {
        var m: [String: Target] = [:]
        for (from, to) in map {
            let key = Self.stripScheme(from).lowercased()
            if let r = to.range(of: "://") {
                m[key] = Target(scheme: String(to[..<r.lowerBound]), hostPort: Self.stripScheme(to))
            } else {
                m[key] = Target(scheme: nil, hostPort: Self.stripScheme(to))
            }
        }
        self.map = m
    }

    public var isEmpty: Bool { map.isEmpty }

    /// The rewritten value and each replacement made (`from` → `to`, as host texts), or nil when no host matched.
    public func apply(_ value: String) -> (value: String, replaced: [(from: String, to: String)])? {
        guard !map.isEmpty else { return nil }
        // A token matches only when a key's text is in it: an ASCII value holding none of the
        // keys (most values) needs no tokenising.
        if value.utf8.allSatisfy({ $0 < 0x80 }) {
            let lower = value.lowercased()
            guard map.keys.contains(where: { TextScan.contains(lower, $0) }) else { return nil }
        }
        var out = ""
        var replaced: [(from: String, to: String)] = []
        var token = ""
        func flush() {
            if let hit = rewriteToken(token) { out += hit.0; replaced.append((from: hit.1.0, to: hit.1.1)) } else { out += token }
            token = ""
        }
        if value.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            // ASCII without CR (CR LF is one character): every character is one byte, so cut
            // tokens on the delimiter bytes.
            let bytes = Array(value.utf8)
            var start = 0
            for i in 0...bytes.count where i == bytes.count || Self.delimiterBytes.contains(bytes[i]) {
                token = String(decoding: bytes[start..<i], as: UTF8.self)
                flush()
                if i < bytes.count { out.unicodeScalars.append(Unicode.Scalar(bytes[i])) }
                start = i + 1
            }
            return replaced.isEmpty ? nil : (out, replaced)
        }
        for ch in value {
            if Self.delimiters.contains(ch) { flush(); out.append(ch) } else { token.append(ch) }
        }
        flush()
        return replaced.isEmpty ? nil : (out, replaced)
    }

    static let delimiters: Set<Character> = [",", ";", " ", "\t", "\n", "\r", "\"", "'", "[", "]", "(", ")", "|", "<", ">", "`"]
    static let delimiterBytes: Set<UInt8> = Set(delimiters.map { $0.asciiValue! })

    private func rewriteToken(_ token: String) -> (String, (String, String))? {
        guard let sep = token.range(of: "://") else {
            guard let t = lookup(token.lowercased()) else { return nil }
            return (t.hostPort, (token, t.hostPort))
        }
        // scheme: the letters, digits, '+', '-', '.' just before "://"
        var start = sep.lowerBound
        while start > token.startIndex {
            let prev = token[token.index(before: start)]
            guard prev.isASCII, prev.isLetter || prev.isNumber || "+-.".contains(prev) else { break }
            start = token.index(before: start)
        }
        let scheme = String(token[start..<sep.lowerBound])
        guard !scheme.isEmpty else { return nil }
        let afterScheme = token[sep.upperBound...]
        let authEnd = afterScheme.firstIndex { "/?#".contains($0) } ?? afterScheme.endIndex
        let authority = afterScheme[..<authEnd]
        let at = authority.lastIndex(of: "@")
        let userinfo = at.map { String(authority[...$0]) } ?? ""
        let hostPort = String(at.map { authority[authority.index(after: $0)...] } ?? authority)
        guard let t = lookup(hostPort.lowercased()) else { return nil }
        let newScheme = t.scheme ?? (Self.isLocal(t.hostPort) ? Self.plain(scheme) : scheme)
        let new = String(token[..<start]) + newScheme + "://" + userinfo + t.hostPort + String(afterScheme[authEnd...])
        return (new, (hostPort, t.hostPort))
    }

    private func lookup(_ hostPort: String) -> Target? {
        if let t = map[hostPort] { return t }
        guard let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") else { return nil }
        return map[String(hostPort[..<colon])]
    }

    static func stripScheme(_ s: String) -> String {
        var s = s.trimmingCharacters(in: .whitespaces)
        if let r = s.range(of: "://") { s = String(s[r.upperBound...]) }
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }

    static func isLocal(_ hostPort: String) -> Bool {
        let host = (hostPort.hasPrefix("[") ? hostPort : String(hostPort.split(separator: ":").first ?? "")).lowercased()
        return host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host == "0.0.0.0" || host.hasPrefix("[::1]")
    }

    static func plain(_ scheme: String) -> String {
        switch scheme.lowercased() {
        case "https": return "http"
        case "wss": return "ws"
        default: return scheme
        }
    }
}
