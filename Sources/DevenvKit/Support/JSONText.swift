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
