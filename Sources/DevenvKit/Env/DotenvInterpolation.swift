import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Variable interpolation with docker compose's semantics (compose-go `template.Substitute`), as
/// applied to unquoted and double-quoted dotenv values.
///
/// - `$$` is a literal `$`.
/// - `$NAME` and `${NAME}` (NAME = `[_A-Za-z][_A-Za-z0-9]*`) are replaced; an unset name gives "".
/// - `${NAME:-default}` / `${NAME-default}`: default when unset or empty / only when unset.
/// - `${NAME:+alt}` / `${NAME+alt}`: alt when set and non-empty / when set, else "".
/// - `${NAME:?message}` / `${NAME?message}`: an error when unset or empty / when unset.
/// - Defaults and alternatives are themselves interpolated and may nest (`${A:-${B}}`).
/// - A `$` that starts none of these (`$1`, `$ `, a final `$`) stays literal; a `${` that is not
///   a well-formed reference on its line is an error ("Invalid template").
struct DotenvInterpolator {
    enum Failure: Error, Equatable {
        case invalidTemplate
        case required(name: String, message: String)

        var text: String {
            switch self {
            case .invalidTemplate:
                return "invalid variable reference (write $$ for a literal $)"
            case let .required(name, message):
                return message.isEmpty
                    ? "required variable \(name) is missing a value"
                    : "required variable \(name) is missing a value: \(message)"
            }
        }
    }

    /// Resolves a name; nil when unset.
    var mapping: (String) -> String?
    /// When true, `${NAME:?…}` on a missing value gives "" instead of failing.
    var lenient = false

    func substitute(_ text: String) throws -> String {
        try substitute(Array(text.unicodeScalars)[...])
    }

    func substitute(_ t: ArraySlice<Unicode.Scalar>) throws -> String {
        guard t.contains("$") else { return DotenvScanner.text(t) }   // nothing to substitute
        var out = String.UnicodeScalarView()
        var i = t.startIndex
        let end = t.endIndex
        while i < end {
            let c = t[i]
            guard c == "$", i + 1 < end else {
                out.append(c)
                i += 1
                continue
            }
            let next = t[i + 1]
            if next == "$" {
                out.append("$")
                i += 2
            } else if Self.isNameStart(next) {
                var j = i + 1
                while j < end, Self.isNameChar(t[j]) { j += 1 }
                out.append(contentsOf: (mapping(String(String.UnicodeScalarView(t[(i + 1)..<j]))) ?? "").unicodeScalars)
                i = j
            } else if next == "{" {
                let (value, after) = try braced(t, from: i)
                out.append(contentsOf: value.unicodeScalars)
                i = after
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(out)
    }

    /// Resolves `${…}` starting at the `$` at `start`; returns the value and the index after `}`.
    private func braced(_ t: ArraySlice<Unicode.Scalar>, from start: Int) throws -> (String, Int) {
        let end = t.endIndex
        let nameStart = start + 2
        guard nameStart < end, Self.isNameStart(t[nameStart]) else { throw Failure.invalidTemplate }
        var k = nameStart
        while k < end, Self.isNameChar(t[k]) { k += 1 }
        let name = String(String.UnicodeScalarView(t[nameStart..<k]))
        guard k < end else { throw Failure.invalidTemplate }
        if t[k] == "}" { return (mapping(name) ?? "", k + 1) }

        var colon = false
        if t[k] == ":" { colon = true; k += 1 }
        guard k < end, t[k] == "-" || t[k] == "+" || t[k] == "?" else { throw Failure.invalidTemplate }
        let op = t[k]
        let argStart = k + 1
        // The matching `}`: every `${` opens a level, every `}` closes one; not past the line.
        var depth = 1
        var m = argStart
        while m < end {
            let c = t[m]
            if c == "\n" { throw Failure.invalidTemplate }
            if c == "}" {
                depth -= 1
                if depth == 0 { break }
            } else if c == "$", m + 1 < end, t[m + 1] == "{" {
                depth += 1
                m += 2
                continue
            }
            m += 1
        }
        guard m < end else { throw Failure.invalidTemplate }
        let arg = t[argStart..<m]
        let value = mapping(name)
        let present = colon ? !(value ?? "").isEmpty : value != nil
        let result: String
        switch op {
        case "-":
            result = present ? value! : try substitute(arg)
        case "+":
            result = present ? try substitute(arg) : ""
        default: // "?"
            if present {
                result = value!
            } else if lenient {
                result = value ?? ""
            } else {
                throw Failure.required(name: name, message: String(String.UnicodeScalarView(arg)))
            }
        }
        return (result, m + 1)
    }

    /// compose-go matches names case-insensitively with Go's simple case folding, which also
    /// lets the Kelvin sign and the long s stand for `k` and `s`.
    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "_", "a"..."z", "A"..."Z", "\u{17F}", "\u{212A}": return true
        default: return false
        }
    }

    static func isNameChar(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || ("0"..."9").contains(c)
    }
}
