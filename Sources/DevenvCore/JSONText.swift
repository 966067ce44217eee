import Foundation

/// Direct JSON text for large outputs (`devenv ports --all --json` with thousands of rows),
/// where Foundation's JSONEncoder costs more than the work behind the data.
public enum JSONText {
    public static func string(_ s: String?) -> String {
        guard let s else { return "null" }
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) { return "\"" + s + "\"" }
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    public static func number<T: BinaryInteger>(_ n: T?) -> String { n.map { String($0) } ?? "null" }

    /// An object from already-encoded values, keys in the given order.
    public static func object(_ fields: [(String, String)], indent: String = "") -> String {
        if fields.isEmpty { return "{}" }
        let inner = indent + "  "
        return "{\n" + fields.map { "\(inner)\(string($0.0)) : \($0.1)" }.joined(separator: ",\n") + "\n\(indent)}"
    }

    public static func array(_ items: [String], indent: String = "") -> String {
        if items.isEmpty { return "[]" }
        return "[\n" + items.map { indent + "  " + $0 }.joined(separator: ",\n") + "\n\(indent)]"
    }
}

/// JSON written straight into bytes, for outputs of thousands of rows: no intermediate
/// strings per value. Produces the same text as `JSONText` (keys as given, `"key" : value`,
/// two-space indents).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func indent(_ spaces: Int) {
        for _ in 0..<spaces { bytes.append(0x20) }
    }

    /// `"key" : ` at `spaces` of indent (keys are plain ASCII, never escaped).
    public mutating func key(_ k: StaticString, indent spaces: Int) {
        indent(spaces)
        bytes.append(0x22)
        raw(k)
        raw("\" : ")
    }

    public mutating func string(_ s: String?) {
        guard var s else { raw("null"); return }
        bytes.append(0x22)
        s.withUTF8 { buf in
            if !buf.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { bytes.append(contentsOf: buf); return }
            for u in buf {
                switch u {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case ..<0x20:
                    raw("\\u00")
                    bytes.append(Self.hex[Int(u >> 4)]); bytes.append(Self.hex[Int(u & 0xF)])
                default: bytes.append(u)
                }
            }
        }
        bytes.append(0x22)
    }

    package static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func int<T: BinaryInteger>(_ n: T?) {
        guard let n else { raw("null"); return }
        var v = Int64(n)
        if v == 0 { bytes.append(0x30); return }
        if v < 0 { bytes.append(0x2D); v = -v }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 { d[count] = UInt8(0x30 + v % 10); v /= 10; count += 1 }
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(d[i]) }
        }
    }
}
