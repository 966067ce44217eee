import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The plain config of a Fly app: `fly.toml`'s `[env]`, read with a small TOML parser that
/// understands the whole TOML syntax well enough to skip every other table correctly (strings
/// of all four kinds, multi-line strings, arrays and inline tables across lines, comments) and
/// reads the scalars of `[env]`, `[[env]]`, `env = { … }` and `env.KEY = …`.
///
/// Values become text the way flyctl does (superfly/flyctl internal/appconfig/patches.go,
/// `_patchEnv`: strings as they are, other scalars through Go's `%v`): `2` → "2", `true` →
/// "true", `1.5` → "1.5", `2.0` → "2". A list or table as a value is an error.
public enum FlyToml {
    public static func env(_ text: String) throws -> [(key: String, value: String)] {
        var p = TomlParser(text)
        var out: [(key: String, value: String)] = []
        var index: [String: Int] = [:]
        func record(_ key: String, _ value: TomlParser.Value, line: Int) throws {
            guard let text = value.text else {
                throw StagingParse.Failure(reason: "fly.toml line \(line): env.\(key) is a list or table; [env] values are plain values")
            }
            if let i = index[key] { out[i].value = text } else { index[key] = out.count; out.append((key, text)) }
        }
        var table: [String] = []
        while p.skipBlankLines() {
            let line = p.line
            if p.peek == UInt8(ascii: "[") {
                table = try p.header()
                continue
            }
            let key = try p.key()
            try p.expect("=")
            let value = try p.value()
            try p.endOfLine()
            let full = table + key
            if full.count == 2, full[0] == "env" {
                try record(full[1], value, line: line)
            } else if full == ["env"], case .table(let pairs) = value {
                for (k, v) in pairs where k.count == 1 { try record(k[0], v, line: line) }
            }
        }
        return out
    }
}

/// A TOML reader over UTF-8 bytes: enough of TOML v1.0 to walk any file and read its scalars.
struct TomlParser {
    indirect enum Value {
        case string(String), scalar(String, number: Bool)
        case array([Value]), table([(key: [String], value: Value)])

        /// The value as flyctl's `%v` prints a scalar; nil for lists and tables.
        var text: String? {
            switch self {
            case .string(let s): return s
            case .scalar(let raw, let number):
                guard number else { return raw }
                let clean = raw.replacingOccurrences(of: "_", with: "")
                for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where clean.hasPrefix(prefix) {
                    return Int64(clean.dropFirst(2), radix: radix).map(String.init) ?? raw
                }
                if let i = Int64(clean) { return String(i) }
                if let d = Double(clean) {
                    return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
                }
                return raw
            case .array, .table: return nil
            }
        }
    }

    let b: [UInt8]
    var i = 0
    private(set) var line = 1

    init(_ text: String) {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        b = bytes
    }

    var peek: UInt8? { i < b.count ? b[i] : nil }

    func fail(_ what: String) -> StagingParse.Failure { StagingParse.Failure(reason: "fly.toml line \(line): \(what)") }

    mutating func advance() {
        if b[i] == UInt8(ascii: "\n") { line += 1 }
        i += 1
    }

    mutating func skipSpaces() {
        while let c = peek, c == 0x20 || c == 0x09 { i += 1 }
    }

    mutating func skipComment() {
        if peek == UInt8(ascii: "#") { while let c = peek, c != 0x0A { i += 1 } }
    }

    /// Skips blank lines and comments; false at the end of the text.
    mutating func skipBlankLines() -> Bool {
        while let c = peek {
            if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A { advance() } else if c == UInt8(ascii: "#") { skipComment() } else { return true }
        }
        return false
    }

    /// Inside arrays: spaces, newlines and comments.
    mutating func skipInsideArray() {
        while let c = peek {
            if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A { advance() } else if c == UInt8(ascii: "#") { skipComment() } else { return }
        }
    }

    mutating func endOfLine() throws {
        skipSpaces()
        skipComment()
        if peek == 0x0D { i += 1 }
        guard peek == nil || peek == 0x0A else { throw fail("unexpected text after a value") }
    }

    mutating func expect(_ s: String) throws {
        skipSpaces()
        for u in s.utf8 {
            guard peek == u else { throw fail("expected '\(s)'") }
            i += 1
        }
    }

    /// `[a.b]` or `[[a.b]]`: the table's key path.
    mutating func header() throws -> [String] {
        i += 1
        let array = peek == UInt8(ascii: "[")
        if array { i += 1 }
        let path = try key()
        try expect(array ? "]]" : "]")
        try endOfLine()
        return path
    }

    /// A dotted key: bare (`A-Z a-z 0-9 _ -`) or quoted parts.
    mutating func key() throws -> [String] {
        var parts: [String] = []
        repeat {
            skipSpaces()
            guard let c = peek else { throw fail("expected a key") }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                guard case .string(let s) = try string() else { throw fail("a key cannot be a multi-line string") }
                parts.append(s)
            } else {
                let start = i
                while let c = peek, Self.isBare(c) { i += 1 }
                guard i > start else { throw fail("expected a key") }
                parts.append(String(decoding: b[start..<i], as: UTF8.self))
            }
            skipSpaces()
            guard peek == UInt8(ascii: ".") else { break }
            i += 1
        } while true
        return parts
    }

    static func isBare(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
    }

    mutating func value() throws -> Value {
        skipSpaces()
        guard let c = peek else { throw fail("expected a value") }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return try string()
        case UInt8(ascii: "["):
            i += 1
            var items: [Value] = []
            while true {
                skipInsideArray()
                if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
                items.append(try value())
                skipInsideArray()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                guard peek == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in a list") }
            }
        case UInt8(ascii: "{"):
            i += 1
            var pairs: [(key: [String], value: Value)] = []
            skipSpaces()
            if peek == UInt8(ascii: "}") { i += 1; return .table(pairs) }
            while true {
                let k = try key()
                try expect("=")
                pairs.append((k, try value()))
                skipSpaces()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                try expect("}")
                return .table(pairs)
            }
        default:
            // A bare scalar: number, boolean or date-time, up to a delimiter.
            let start = i
            while let c = peek, c != 0x0A, c != 0x0D, c != UInt8(ascii: "#"), c != UInt8(ascii: ","),
                  c != UInt8(ascii: "]"), c != UInt8(ascii: "}") { i += 1 }
            var end = i
            while end > start, b[end - 1] == 0x20 || b[end - 1] == 0x09 { end -= 1 }
            let raw = String(decoding: b[start..<end], as: UTF8.self)
            guard !raw.isEmpty else { throw fail("expected a value") }
            if raw == "true" || raw == "false" { return .scalar(raw, number: false) }
            let number = raw.first.map { $0.isNumber || "+-".contains($0) || raw == "inf" || raw == "nan" } ?? false
            let isDate = raw.count >= 8 && raw.dropFirst(4).first == "-" || raw.dropFirst(2).first == ":"
            return .scalar(raw, number: number && !isDate)
        }
    }

    /// Any of the four string forms, escapes decoded in basic strings.
    mutating func string() throws -> Value {
        let quote = b[i]
        let multi = i + 2 < b.count && b[i + 1] == quote && b[i + 2] == quote
        i += multi ? 3 : 1
        if multi {
            if peek == 0x0D { i += 1 }
            if peek == 0x0A { advance() }   // a newline right after the opening quotes is trimmed
        }
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw fail("a string is not closed") }
            if c == quote {
                if !multi { i += 1; break }
                if i + 2 < b.count, b[i + 1] == quote, b[i + 2] == quote {
                    // `""""` or `"""""`: up to two quotes before the closing three belong to the string.
                    var extra = 0
                    while extra < 2, i + 3 + extra < b.count, b[i + 3 + extra] == quote { extra += 1 }
                    out += Array(repeating: quote, count: extra)
                    i += 3 + extra
                    break
                }
                out.append(c); i += 1; continue
            }
            if c == 0x0A && !multi { throw fail("a string is not closed on its line") }
            if c == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                i += 1
                guard let e = peek else { throw fail("a string is not closed") }
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A); i += 1
                case UInt8(ascii: "t"): out.append(0x09); i += 1
                case UInt8(ascii: "r"): out.append(0x0D); i += 1
                case UInt8(ascii: "b"): out.append(0x08); i += 1
                case UInt8(ascii: "f"): out.append(0x0C); i += 1
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e); i += 1
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let n = e == UInt8(ascii: "u") ? 4 : 8
                    guard i + n < b.count, let v = UInt32(String(decoding: b[(i + 1)...(i + n)], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(v) else { throw fail("a bad \\u escape in a string") }
                    out += Array(String(Character(scalar)).utf8)
                    i += n + 1
                case 0x20, 0x09, 0x0D, 0x0A:
                    // A line-ending backslash: skip the newline and the blanks after it.
                    guard multi else { throw fail("an unknown escape in a string") }
                    while let w = peek, w == 0x20 || w == 0x09 || w == 0x0D || w == 0x0A { advance() }
                default: throw fail("an unknown escape in a string")
                }
                continue
            }
            out.append(c)
            advance()
        }
        return .string(String(decoding: out, as: UTF8.self))
    }
}
