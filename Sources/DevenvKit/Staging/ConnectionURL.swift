import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

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
    /// Read byte by byte: every delimiter is ASCII, so UTF-8 offsets split exactly where
    /// characters would (and tens of thousands of staging values stay cheap).
    public init?(_ text: String) {
        guard TextScan.hasSchemeSeparator(text) else { return nil }
        let b = Array(text.utf8)
        func str(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }
        func first(_ c: UInt8, _ r: Range<Int>) -> Int? { b[r].firstIndex(of: c) }
        func isAlpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        guard var sep = first(UInt8(ascii: ":"), 0..<b.count) else { return nil }
        while !(sep + 2 < b.count && b[sep + 1] == UInt8(ascii: "/") && b[sep + 2] == UInt8(ascii: "/")) {
            guard let next = first(UInt8(ascii: ":"), (sep + 1)..<b.count) else { return nil }
            sep = next
        }
        guard sep > 0, isAlpha(b[0]), b[..<sep].allSatisfy({ isAlpha($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2E || $0 == 0x2D })
        else { return nil }
        self.scheme = str(0..<sep)
        var lo = sep + 3, hi = b.count
        if let hash = first(UInt8(ascii: "#"), lo..<hi) {
            fragment = str((hash + 1)..<hi)
            hi = hash
        }
        let beforeQuery = first(UInt8(ascii: "?"), lo..<hi) ?? hi
        // The user part ends at the last '@' before the query: passwords may hold '/' or ':'.
        // A '@' after a '/' with no ':' before it is part of the path (`https://medium.com/@team`).
        var at = b[lo..<beforeQuery].lastIndex(of: UInt8(ascii: "@"))
        if let a = at, let slash = first(UInt8(ascii: "/"), lo..<hi), slash < a, first(UInt8(ascii: ":"), lo..<a) == nil { at = nil }
        if let at {
            if let colon = first(UInt8(ascii: ":"), lo..<at) {
                user = str(lo..<colon)
                password = str((colon + 1)..<at)
            } else {
                user = str(lo..<at)
            }
            lo = at + 1
        }
        var queryRange: Range<Int>?
        if let q = first(UInt8(ascii: "?"), lo..<hi) {
            queryRange = (q + 1)..<hi
            hi = q
        }
        if let slash = first(UInt8(ascii: "/"), lo..<hi) {
            hosts = str(lo..<slash)
            path = str(slash..<hi)
        } else {
            hosts = str(lo..<hi)
            path = ""
        }
        query = []
        if let r = queryRange {
            // `a=1&b`: pairs between '&' (empty ones dropped), split at the first '='.
            for pair in b[r].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
                if let eq = pair.firstIndex(of: UInt8(ascii: "=")) {
                    query.append((str(pair.startIndex..<eq), str((eq + 1)..<pair.endIndex)))
                } else {
                    query.append((str(pair.startIndex..<pair.endIndex), nil))
                }
            }
        }
        hadQueryMark = queryRange != nil
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
        // One host, ASCII, nothing to trim (nearly every URL): no splitting at all.
        if !hosts.isEmpty, hosts.first != "[", hosts.utf8.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: ",") && $0 != 0x20 && $0 != 0x09 }) {
            return [String(hosts.split(separator: ":", maxSplits: 1).first ?? "").lowercased()]
        }
        return hosts.split(separator: ",").map { h in
            let h = TextScan.trimmingBlanks(String(h))
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

    /// True when some URL in the value carries a password (`forLock(value) != value`, without
    /// rebuilding the value).
    public static func hasCredentials(_ value: String) -> Bool {
        let urls = TextScan.schemeSeparators(in: value, atMost: 2)
        guard urls > 0 else { return false }
        if urls <= 1 { return ConnectionURL(TextScan.trimmingBlanks(value))?.password != nil }
        let pieces = value.split(omittingEmptySubsequences: false) { $0 == "," || $0 == " " }
        if pieces.count == 1 { return ConnectionURL(TextScan.trimmingBlanks(value))?.password != nil }
        return pieces.contains { hasCredentials(String($0)) }
    }

    static func replacingPasswords(in value: String, with mask: String?) -> String {
        let urls = TextScan.schemeSeparators(in: value, atMost: 2)
        guard urls > 0 else { return value }
        let pieces = urls <= 1 ? [] : value.split(omittingEmptySubsequences: false) { $0 == "," || $0 == " " }
        if urls <= 1 || pieces.count == 1 {
            guard var c = ConnectionURL(TextScan.trimmingBlanks(value)), c.password != nil else { return value }
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
