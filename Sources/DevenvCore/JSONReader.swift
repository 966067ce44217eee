import Foundation

/// A JSON parser (RFC 8259) over UTF-8 bytes straight into `StagingParse.JSON`.
///
/// Foundation's JSONDecoder through a recursive `Decodable` enum tries each type in turn for
/// every value and spends most of a mirror of tens of thousands of keys there; this reads each
/// byte once. Strings without escapes are sliced, not rebuilt. Objects keep the last value of
/// a repeated key. Nesting deeper than 512 is refused (no unbounded recursion on bad input).
package struct JSONReader {

    package struct Invalid: Error {}

    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0

    private init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    package static func parse(_ text: String) throws -> JSON {
        var text = text
        return try text.withUTF8 { buffer in
            var r = JSONReader(buffer)
            r.skipSpace()
            let v = try r.value()
            r.skipSpace()
            guard r.i == buffer.count else { throw Invalid() }
            return v
        }
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func value() throws -> JSON {
        guard i < b.count else { throw Invalid() }
        switch b[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { throw Invalid() }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { throw Invalid() }
        i += n
    }

    private mutating func nest() throws {
        depth += 1
        guard depth <= 512 else { throw Invalid() }
        i += 1
        skipSpace()
    }

    private mutating func object() throws -> JSON {
        try nest()
        // Pairs first, then one dictionary of the right size (no rehashing as it grows).
        var pairs: [(String, JSON)] = []
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object([:]) }
        while true {
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw Invalid() }
            let key = try string()
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw Invalid() }
            i += 1
            skipSpace()
            pairs.append((key, try value()))
            skipSpace()
            guard i < b.count else { throw Invalid() }
            if b[i] == UInt8(ascii: ",") { i += 1; skipSpace(); continue }
            guard b[i] == UInt8(ascii: "}") else { throw Invalid() }
            i += 1
            depth -= 1
            return .object(Dictionary(pairs, uniquingKeysWith: { $1 }))
        }
    }

    private mutating func array() throws -> JSON {
        try nest()
        var a: [JSON] = []
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(a) }
        while true {
            a.append(try value())
            skipSpace()
            guard i < b.count else { throw Invalid() }
            if b[i] == UInt8(ascii: ",") { i += 1; skipSpace(); continue }
            guard b[i] == UInt8(ascii: "]") else { throw Invalid() }
            i += 1
            depth -= 1
            return .array(a)
        }
    }

    private mutating func string() throws -> String {
        i += 1
        let start = i
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                defer { i += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            guard c >= 0x20 else { throw Invalid() }
            i += 1
        }
        var out = Array(b[start..<i])
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            guard c >= 0x20 else { throw Invalid() }
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            guard i + 1 < b.count else { throw Invalid() }
            let e = b[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { throw Invalid() }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw Invalid() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw Invalid() }
                out += Array(String(Character(u)).utf8)
            default: throw Invalid()
            }
        }
        throw Invalid()
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= b.count else { throw Invalid() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw Invalid()
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws -> Double {
        let start = i
        func digits() -> Int {
            let s = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            return i - s
        }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count else { throw Invalid() }
        if b[i] == UInt8(ascii: "0") { i += 1 } else { guard digits() > 0 else { throw Invalid() } }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { throw Invalid() } }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw Invalid() }
        }
        guard let d = Double(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)), d.isFinite else { throw Invalid() }
        return d
    }
}

/// devenv's own state files of tens of thousands of entries (`.devenv/env-written.json`,
/// `.devenv/mirror-written.json`), read and written without Foundation's coders: the same
/// JSON, several times faster. Readers return nil for text of any other shape.
package enum StateJSON {
    package static func nestedStrings(_ text: String) -> [String: [String: String]]? {
        guard case .object(let files)? = try? JSONReader.parse(text) else { return nil }
        var out: [String: [String: String]] = [:]
        for (file, value) in files {
            guard case .object(let keys) = value else { return nil }
            var map: [String: String] = [:]
            map.reserveCapacity(keys.count)
            for (k, v) in keys {
                guard case .string(let s) = v else { return nil }
                map[k] = s
            }
            out[file] = map
        }
        return out
    }

    package static func stringLists(_ text: String) -> [String: [String]]? {
        guard case .object(let files)? = try? JSONReader.parse(text) else { return nil }
        var out: [String: [String]] = [:]
        for (file, value) in files {
            guard case .array(let items) = value else { return nil }
            out[file] = try? items.map { item -> String in
                guard case .string(let s) = item else { throw JSONReader.Invalid() }
                return s
            }
            if out[file] == nil { return nil }
        }
        return out
    }

    /// Pretty JSON (two-space indent, `"key" : value`), keys sorted by Unicode code point,
    /// from already-encoded values, built in one buffer.
    package static func object(_ fields: [(String, String)], indent: String = "") -> String {
        guard !fields.isEmpty else { return "{\n\n\(indent)}" }
        let inner = indent + "  "
        var out = "{\n"
        out.reserveCapacity(fields.reduce(8) { $0 + $1.0.utf8.count + $1.1.utf8.count + inner.utf8.count + 8 })
        for (i, field) in fields.sorted(by: { $0.0 < $1.0 }).enumerated() {
            if i > 0 { out += ",\n" }
            out += inner
            out += JSONText.string(field.0)
            out += " : "
            out += field.1
        }
        out += "\n"
        out += indent
        out += "}"
        return out
    }

    package static func write(_ state: [String: [String: String]]) -> String {
        object(state.map { file, keys in (file, object(keys.map { ($0.key, JSONText.string($0.value)) }, indent: "  ")) }) + "\n"
    }

    package static func write(_ lists: [String: [String]]) -> String {
        object(lists.map { file, keys in
            (file, keys.isEmpty ? "[\n\n  ]" : "[\n" + keys.map { "    " + JSONText.string($0) }.joined(separator: ",\n") + "\n  ]")
        }) + "\n"
    }
}
