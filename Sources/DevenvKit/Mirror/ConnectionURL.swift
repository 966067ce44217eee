import Foundation

/// A connection string (`scheme://user:password@host:port,host2/path?query`), split without
/// decoding so that rebuilding it changes only what was changed.
///
/// Foundation's URL rejects shapes real services use (MongoDB host lists, `+srv`, driver
/// suffixes like `postgresql+asyncpg`), hence this small parser.
/// Invariant: `string` of a parsed value is the original text.
public struct ConnectionURL: Sendable, Equatable {
    public var scheme: String
    /// Percent-encoded user, or nil.
    public var user: String?
    /// Percent-encoded password, or nil. Never printed: see `redacted` and `masked`.
    public var password: String?
    /// `host`, `host:port`, `[v6]:port`, or a comma-separated list of them.
    public var hosts: String
    /// Everything from the first `/` after the hosts up to `?`/`#` (may be empty).
    public var path: String
    /// Query parameters in order, still encoded; nil value for a bare `?flag`.
    public var query: [(name: String, value: String?)]
    public var fragment: String?

    public static func == (a: Self, b: Self) -> Bool { a.string == b.string }

    /// Nil unless `text` is `scheme://…` with a letter-led scheme and a non-empty authority or path.
    public init?(_ text: String) {
        guard let sep = text.range(of: "://") else { return nil }
        let scheme = String(text[..<sep.lowerBound])
        guard let first = scheme.first, first.isASCII, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }) else { return nil }
        self.scheme = scheme
        var rest = Substring(text[sep.upperBound...])
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        var queryText: Substring?
        let beforeQuery = rest.firstIndex(of: "?")
        // The user part ends at the last '@' before the query: passwords may hold '/' or ':'.
        // A '@' after a '/' with no ':' before it is part of the path (`https://medium.com/@team`).
        var at = rest[..<(beforeQuery ?? rest.endIndex)].lastIndex(of: "@")
        if let a = at, let slash = rest.firstIndex(of: "/"), slash < a, !rest[..<a].contains(":") { at = nil }
        if let at {
            let info = rest[..<at]
            if let colon = info.firstIndex(of: ":") {
                user = String(info[..<colon])
                password = String(info[info.index(after: colon)...])
            } else {
                user = String(info)
            }
            rest = rest[rest.index(after: at)...]
        }
        if let q = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        if let slash = rest.firstIndex(of: "/") {
            hosts = String(rest[..<slash])
            path = String(rest[slash...])
        } else {
            hosts = String(rest)
            path = ""
        }
        query = (queryText ?? "").split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: "=") { return (String(pair[..<eq]), String(pair[pair.index(after: eq)...])) }
            return (String(pair), nil)
        }
        hadQueryMark = queryText != nil
        guard !hosts.isEmpty || !path.isEmpty else { return nil }
    }

    /// Keeps `?` when the original had one with nothing after it (`mongodb+srv://h/?`).
    private var hadQueryMark = false

    public var string: String {
        var s = scheme + "://"
        if let user {
            s += user
            if let password { s += ":" + password }
            s += "@"
        }
        s += hosts + path
        if !query.isEmpty {
            s += "?" + Self.queryText(query)
        } else if hadQueryMark {
            s += "?"
        }
        if let fragment { s += "#" + fragment }
        return s
    }

    /// `a=1&b` from parameters.
    public static func queryText(_ query: [(name: String, value: String?)]) -> String {
        query.map { p in p.value.map { "\(p.name)=\($0)" } ?? p.name }.joined(separator: "&")
    }

    /// The URL without its password (`postgres://app@db.internal:5432/app`): safe to commit.
    public var redacted: String {
        var c = self
        c.password = nil
        return c.string
    }

    /// The URL with its password shown as `***`: safe to print.
    public var masked: String {
        var c = self
        if c.password != nil { c.password = "***" }
        return c.string
    }

    /// Host names without ports, lower-cased.
    public var hostNames: [String] {
        hosts.split(separator: ",").map { h in
            let h = h.trimmingCharacters(in: .whitespaces)
            if h.hasPrefix("["), let end = h.firstIndex(of: "]") { return String(h[h.index(after: h.startIndex)..<end]).lowercased() }
            return String(h.split(separator: ":", maxSplits: 1).first ?? "").lowercased()
        }
    }

    /// The port of the first host, if given.
    public var port: Int? {
        guard let first = hosts.split(separator: ",").first else { return nil }
        let afterBracket = first.lastIndex(of: "]").map { first[$0...] } ?? first
        guard let colon = afterBracket.lastIndex(of: ":") else { return nil }
        return Int(afterBracket[afterBracket.index(after: colon)...])
    }

    /// The first path segment, decoded (`/myflow` → `myflow`); nil when empty.
    public var firstPathSegment: String? {
        let seg = path.split(separator: "/").first.map(String.init)
        return seg.flatMap { $0.removingPercentEncoding ?? $0 }.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func queryValue(_ name: String) -> String? {
        query.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Removes the parameters `drop` says so; returns the removed names, in order.
    @discardableResult
    public mutating func removeQuery(where drop: (_ name: String, _ value: String?) -> Bool) -> [String] {
        let removed = query.filter { drop($0.name, $0.value) }.map(\.name)
        query.removeAll { drop($0.name, $0.value) }
        return removed
    }
}

/// Text helpers for values that may hold URLs.
public enum Redact {
    /// A value fit to print: every `scheme://user:password@` in it has its password masked.
    public static func forDisplay(_ value: String) -> String { replacingPasswords(in: value, with: "***") }

    /// A value fit to commit: every URL password in it removed.
    public static func forLock(_ value: String) -> String { replacingPasswords(in: value, with: nil) }

    /// True when some URL in the value carries a password.
    public static func hasCredentials(_ value: String) -> Bool { forLock(value) != value }

    static func replacingPasswords(in value: String, with mask: String?) -> String {
        let pieces = value.split(omittingEmptySubsequences: false) { $0 == "," || $0 == " " }
        if value.components(separatedBy: "://").count <= 2 || pieces.count == 1 {
            guard var c = ConnectionURL(value.trimmingCharacters(in: .whitespaces)), c.password != nil else { return value }
            c.password = mask
            return c.string
        }
        // Several URLs in one value (comma or space separated): each piece on its own.
        var out = ""
        var idx = value.startIndex
        for piece in pieces {
            let start = piece.startIndex
            out += value[idx..<start]
            out += replacingPasswords(in: String(piece), with: mask)
            idx = piece.endIndex
        }
        out += value[idx...]
        return out
    }
}
