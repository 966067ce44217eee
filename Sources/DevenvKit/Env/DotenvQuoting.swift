// How devenv writes a value after `KEY=` so that it reads back exactly.
//
// docker compose (compose-go's dotenv parser) is the reference: every value devenv writes reads
// back identically through it (NUL aside: no environment variable can hold one). Among the forms
// compose reads correctly, devenv picks one that python-dotenv (`dotenv_values`, interpolation
// on, its default) and `node --env-file` (Node 20+) read identically too, preferring: bare for
// plain words (`[A-Za-z0-9_./:@%+,=~?&-]`), single quotes, double quotes (`\n` for a line break;
// `\\ \" \r \$` only where needed), bare for other text, single quotes with `\'`. A value with
// a line break prefers `"…\n…"`, so each key stays on one line. A raw CR is never written.
//
// No form all three read identically exists when a value holds:
// 1. a carriage return: Node drops every CR, python-dotenv reads a raw one as a line feed.
//    Written `"…\r…"` (compose, python-dotenv).
// 2. `${`: python-dotenv expands `${…}` in every quoting style. Written in single quotes
//    (compose, Node).
// 3. a `'` and a `$NAME` or `$$`: only compose has an escape for `$`, and single quotes cannot
//    hold the `'`. Written `'…\'…'` (compose, python-dotenv), or `"…\$…"` (compose alone)
//    when the value also holds a `\`.
// 4. a `'` and a `"` or `\`, when it cannot go bare (a blank at either end, `#`, a line break, a
//    leading quote or backtick): Node's parser has no escapes. Written in double quotes
//    (compose, python-dotenv).
// 5. a `\\` pair or a final `\`, when it can go neither bare nor in single quotes: python-dotenv
//    decodes `\\` in single quotes, Node keeps it in double quotes. Written in double quotes
//    (compose, python-dotenv); a final `\` as `\0134` (compose alone), since python-dotenv would
//    take `\\"` for an escaped quote.
// Even then the form keeps python-dotenv and Node in step: they read every other line right.
// `Dotenv.readers(of:)` gives the exact answer per value; the differential tests hold it
// against the real tools.
import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The dotenv readers devenv writes for. compose is the reference and always reads back what
/// devenv wrote; python-dotenv and Node's `--env-file` parser do when the value allows it.
public struct DotenvReaders: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// docker compose (compose-go), for `--env-file`, `env_file:` and the project `.env`.
    public static let compose = DotenvReaders(rawValue: 1)
    /// python-dotenv's `dotenv_values` / `load_dotenv` with interpolation on (its default).
    public static let python = DotenvReaders(rawValue: 2)
    /// `node --env-file` and `process.loadEnvFile` (Node 20+).
    public static let node = DotenvReaders(rawValue: 4)
    public static let all: DotenvReaders = [.compose, .python, .node]

    public var description: String {
        [(Self.compose, "compose"), (.python, "python-dotenv"), (.node, "node")]
            .filter { contains($0.0) }.map(\.1).joined(separator: ", ")
    }
}

extension Dotenv {
    /// The text to put after `KEY=` so that compose, python-dotenv and `node --env-file` read back
    /// exactly `value` where that is possible; prefer single quotes, double quotes with escapes
    /// when needed, bare for simple values. compose always reads back `value` (NUL aside); the
    /// header of this file lists the few values python-dotenv or Node cannot share.
    public static func quote(_ value: String) -> String {
        Form.best(for: value).encode(value)
    }

    /// Which readers read `quote(value)` back as exactly `value`.
    public static func readers(of value: String) -> DotenvReaders {
        Form.best(for: value).readers(value)
    }

    enum Form: CaseIterable {
        case bare, single, double, singleEscaped

        /// The form to write `value` in; `quoted` rules out bare (text follows on the line).
        static func best(for value: String, quoted: Bool = false) -> Form {
            // Only plain characters: bare, which every reader reads back (what the scoring below
            // picks for such a value, without building its scalars).
            if !quoted, !value.isEmpty, value.utf8.allSatisfy({ $0 < 0x80 && isPlain(Unicode.Scalar($0)) }) { return .bare }
            let s = Array(value.unicodeScalars)
            if s.isEmpty { return quoted ? .single : .bare }
            var candidates: [Form] = []
            if !quoted, s.allSatisfy(isPlain) { candidates.append(.bare) }
            candidates += s.contains("\n") ? [.double, .single] : [.single, .double]
            candidates += quoted ? [.singleEscaped] : [.bare, .singleEscaped]
            var best = Form.double
            var bestScore = -1
            for form in candidates {
                let score = score(form.readers(value))
                if score > bestScore { best = form; bestScore = score }
            }
            return best
        }

        private static func score(_ r: DotenvReaders) -> Int {
            guard r.contains(.compose) else { return -1 }
            return (r.contains(.python) ? 2 : 0) + (r.contains(.node) ? 1 : 0)
        }

        func encode(_ value: String) -> String {
            switch self {
            case .bare: return value
            case .single: return "'" + value + "'"
            case .singleEscaped:
                var out = String.UnicodeScalarView()
                for c in value.unicodeScalars {
                    if c == "'" { out.append("\\") }
                    out.append(c)
                }
                return "'" + String(out) + "'"
            case .double:
                let s = Array(value.unicodeScalars)
                var out = String.UnicodeScalarView()
                for (i, c) in s.enumerated() {
                    switch c {
                    // A backslash right before the closing quote is written in octal: python-dotenv
                    // would take `\\"` for an escaped quote and read on into the next lines.
                    case "\\" where i == s.count - 1: out.append(contentsOf: "\\0134".unicodeScalars)
                    case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
                    case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
                    case "\n": out.append(contentsOf: "\\n".unicodeScalars)
                    case "\r": out.append(contentsOf: "\\r".unicodeScalars)
                    case "$" where Self.activeDollar(s, at: i): out.append(contentsOf: "\\$".unicodeScalars)
                    default: out.append(c)
                    }
                }
                return "\"" + String(out) + "\""
            }
        }

        /// The readers that read `encode(value)` back as `value`.
        func readers(_ value: String) -> DotenvReaders {
            let s = Array(value.unicodeScalars)
            if s.contains("\0") { return [] }
            if s.isEmpty { return .all }
            let has = { (c: Unicode.Scalar) in s.contains(c) }
            let cr = has("\r"), lf = has("\n"), backslash = has("\\"), apostrophe = has("'")
            let dollarBrace = Self.contains(s, "${")
            let active = s.indices.contains { s[$0] == "$" && Self.activeDollar(s, at: $0) }
            let trailingBackslash = s.last == "\\"
            var r: DotenvReaders = []
            switch self {
            case .bare:
                // Never a leading quote or backtick: Node would look for its closing twin on later lines.
                guard !cr, !lf, Self.visible(s.first!), Self.visible(s.last!),
                      s.first != "'", s.first != "\"", s.first != "`" else { return [] }
                if !Self.contains(s, " #"), !active { r.insert(.compose) }
                if !has("#"), !dollarBrace { r.insert(.python) }
                if !has("#") { r.insert(.node) }
            case .single:
                guard !apostrophe, !cr else { return [] }
                if !trailingBackslash { r.insert(.compose) }
                if !trailingBackslash, !Self.contains(s, "\\\\"), !dollarBrace { r.insert(.python) }
                r.insert(.node)
            case .double:
                r.insert(.compose)
                if !active, !dollarBrace, !trailingBackslash { r.insert(.python) }
                if !backslash, !has("\""), !cr, !active { r.insert(.node) }
            case .singleEscaped:
                // One line only: Node ends the value at the first `\'` and reads on from the next line.
                guard apostrophe, !backslash, !lf else { return [] }
                r.insert(.compose)
                if !cr, !dollarBrace { r.insert(.python) }
            }
            return r
        }

        /// Whether `s` holds `pattern` as consecutive scalars (not as whole characters).
        static func contains(_ s: [Unicode.Scalar], _ pattern: String) -> Bool {
            let p = Array(pattern.unicodeScalars)
            guard s.count >= p.count else { return false }
            return (0...(s.count - p.count)).contains { i in s[i..<(i + p.count)].elementsEqual(p) }
        }

        /// A `$` compose would read as the start of a reference (`$$`, `${`, `$NAME`).
        static func activeDollar(_ s: [Unicode.Scalar], at i: Int) -> Bool {
            guard i + 1 < s.count else { return false }
            let next = s[i + 1]
            return next == "$" || next == "{" || DotenvInterpolator.isNameStart(next)
        }

        /// Characters every reader takes literally in a bare value.
        static func isPlain(_ c: Unicode.Scalar) -> Bool {
            switch c {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", "/", ":", "@", "%", "+", ",", "=", "~", "?", "&":
                return true
            default:
                return false
            }
        }

        /// Not trimmed or mistaken for a separator by any reader at either end of a bare value.
        static func visible(_ c: Unicode.Scalar) -> Bool {
            if c.properties.isWhitespace { return false }
            switch c.properties.generalCategory {
            case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .unassigned,
                 .surrogate, .privateUse:
                return false
            default:
                return true
            }
        }
    }
}
