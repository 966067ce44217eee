import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// One statement of a dotenv file and where it sits in the text.
struct DotenvEntry: Equatable {
    var key: String
    /// 1-based line of the key.
    var line: Int
    var hasExport: Bool
    /// `KEY` alone on its line: the value comes from the lookup, if it knows the name.
    var inherited: Bool
    /// Scalar offsets (into `DotenvDocument.scalars`) of the value as written, quotes included,
    /// without a trailing ` # comment` or trailing blanks. Empty for `KEY=` and inherited keys.
    var valueRange: Range<Int>
    /// The value compose reads; nil for an inherited key the lookup does not know.
    var value: String?
}

/// A dotenv file scanned with compose-go's rules, keeping offsets so it can be edited in place.
struct DotenvDocument {
    /// The text without a leading byte order mark.
    var scalars: [Unicode.Scalar]
    var hasBOM: Bool
    var entries: [DotenvEntry]

    /// The effective value of each key: last assignment wins, first appearance gives the order.
    var values: [(key: String, value: String)] {
        var order: [String] = []
        var latest: [String: String] = [:]
        for entry in entries {
            guard let value = entry.value else { continue }
            if latest.updateValue(value, forKey: entry.key) == nil { order.append(entry.key) }
        }
        return order.map { ($0, latest[$0]!) }
    }
}

/// The scanner behind `Dotenv.parse`: a transcription of compose-go's `dotenv` parser
/// (statement start, `export`, key, unquoted / single / double quoted value, escapes,
/// interpolation), with errors that carry the file name and line.
enum DotenvScanner {
    static func scan(_ text: String, file: String, lookup: (String) -> String?,
                     lenient: Bool = false) throws -> DotenvDocument {
        try withoutActuallyEscaping(lookup) { try scan(text, file: file, escapingLookup: $0, lenient: lenient) }
    }

    private static func scan(_ text: String, file: String, escapingLookup lookup: @escaping (String) -> String?,
                             lenient: Bool) throws -> DotenvDocument {
        var s = Array(text.unicodeScalars)
        let hasBOM = s.first == "\u{FEFF}"
        if hasBOM { s.removeFirst() }
        let newlines = s.indices.filter { s[$0] == "\n" }
        func lineOf(_ index: Int) -> Int {
            var lo = 0, hi = newlines.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if newlines[mid] < index { lo = mid + 1 } else { hi = mid }
            }
            return lo + 1
        }
        func fail(_ message: String, at index: Int) -> DevenvError {
            // A `.env` is the person's file, not devenv's input: one that does not parse is a
            // run-time failure (exit 1), like any other file devenv cannot use.
            DevenvError("\(file):\(lineOf(index)): \(message)",
                        hint: "see the dotenv syntax docker compose accepts: KEY=value, 'single', \"double\"")
        }
        func string(_ r: Range<Int>) -> String { DotenvScanner.text(s[r]) }

        var known: [String: String] = [:]
        let interpolator = DotenvInterpolator(mapping: { lookup($0) ?? known[$0] }, lenient: lenient)
        var entries: [DotenvEntry] = []
        let n = s.count
        var i = 0
        statements: while true {
            // Statement start: skip blanks (newlines included) and comment lines.
            while i < n {
                if s[i].properties.isWhitespace { i += 1; continue }
                if s[i] == "#" {
                    while i < n, s[i] != "\n" { i += 1 }
                    continue
                }
                break
            }
            if i >= n { break statements }

            var hasExport = false
            if i + 6 < n, s[i] == "e", s[i..<(i + 6)].elementsEqual("export".unicodeScalars),
               "\t\n\u{0C}\r ".unicodeScalars.contains(s[i + 6]) {
                hasExport = true
                i += 6
                while i < n, isSpace(s[i]) { i += 1 }
            }

            // Key: up to `=`, `:` (YAML style) or a newline (inherited from the lookup).
            let keyStart = i
            var j = i
            var separator: Unicode.Scalar?
            while j < n {
                let c = s[j]
                if isSpace(c) { j += 1; continue }
                if c == "=" || c == ":" || c == "\n" { separator = c; break }
                if c == "_" || c == "." || c == "-" || c == "[" || c == "]" || isLetterOrNumber(c) { j += 1; continue }
                let lineEnd = s[keyStart...].firstIndex(of: "\n") ?? n
                throw fail("unexpected character \"\(escaped(String(c)))\" in variable name \"\(escaped(string(keyStart..<lineEnd)))\"",
                           at: j)
            }
            var keyEnd = j
            while keyEnd > keyStart, s[keyEnd - 1].properties.isWhitespace { keyEnd -= 1 }
            let key = string(keyStart..<keyEnd)
            if key.unicodeScalars.contains(" ") { throw fail("variable name cannot contain a space: \"\(key)\"", at: keyStart) }
            let keyLine = lineOf(keyStart)

            guard let sep = separator, sep != "\n" else {
                let value = lookup(key)
                if let value { known[key] = value }
                if !key.isEmpty {
                    entries.append(DotenvEntry(key: key, line: keyLine, hasExport: hasExport, inherited: true,
                                               valueRange: j..<j, value: value))
                }
                i = j
                continue
            }

            var v = j + 1
            while v < n, isSpace(s[v]) { v += 1 }
            let range: Range<Int>
            let value: String
            if v < n, s[v] == "'" || s[v] == "\"" {
                let quote = s[v]
                var chars = String.UnicodeScalarView()
                var escaped = false
                var p = v + 1
                var close: Int?
                while p < n {
                    let c = s[p]
                    if c != quote {
                        if !escaped, c == "\\" { escaped = true; p += 1; continue }
                        if escaped { escaped = false; chars.append("\\") }
                        chars.append(c)
                        p += 1
                        continue
                    }
                    if escaped { escaped = false; chars.append(c); p += 1; continue }
                    close = p
                    break
                }
                guard let close else { throw fail("unterminated quoted value (missing closing \(quote))", at: v) }
                range = v..<(close + 1)
                if quote == "\"" {
                    do { value = try interpolator.substitute(expandEscapes(Array(chars))[...]) }
                    catch let failure as DotenvInterpolator.Failure { throw fail(failure.text, at: v) }
                } else {
                    value = String(chars)
                }
                i = close + 1
            } else {
                let lineEnd = s[v...].firstIndex(of: "\n") ?? n
                var end = lineEnd
                var p = v
                while p + 1 < lineEnd {
                    if s[p] == " ", s[p + 1] == "#" { end = p; break }
                    p += 1
                }
                while end > v, s[end - 1].properties.isWhitespace { end -= 1 }
                range = v..<end
                do { value = try interpolator.substitute(s[range]) }
                catch let failure as DotenvInterpolator.Failure { throw fail(failure.text, at: v) }
                i = lineEnd
            }
            known[key] = value
            if !key.isEmpty {
                entries.append(DotenvEntry(key: key, line: keyLine, hasExport: hasExport, inherited: false,
                                           valueRange: range, value: value))
            }
        }
        return DotenvDocument(scalars: s, hasBOM: hasBOM, entries: entries)
    }

    /// compose-go's escapes in double quotes: `\a \b \f \n \r \t \v \\ \" \$` (kept as `$$` for
    /// the interpolator) and octal `\0NNN`; any other backslash stays as written.
    static func expandEscapes(_ chars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(chars.count)
        var p = 0
        while p < chars.count {
            let c = chars[p]
            guard c == "\\", p + 1 < chars.count else { out.append(c); p += 1; continue }
            let next = chars[p + 1]
            switch next {
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "\\", "\"": out.append(next)
            case "$": out.append(contentsOf: ["$", "$"])
            case "c": out.append(contentsOf: ["\\", "c"])
            case "0":
                var digits: [Unicode.Scalar] = []
                var q = p + 2
                while q < chars.count, digits.count < 3, ("0"..."9").contains(chars[q]) {
                    digits.append(chars[q])
                    q += 1
                }
                let octal = digits.count == 3 && digits.allSatisfy { ("0"..."7").contains($0) }
                    ? UInt32(String(String.UnicodeScalarView(digits)), radix: 8) : nil
                if let octal, octal <= 255, let scalar = Unicode.Scalar(octal) {
                    out.append(scalar)
                } else {
                    out.append("\\")
                    out.append(contentsOf: digits)
                }
                p = q
                continue
            default:
                out.append(c)
                p += 1
                continue
            }
            p += 2
        }
        return out
    }

    /// The string of these scalars, encoded to UTF-8 in one buffer (appending scalars to a
    /// String one by one costs several times more, which a file of 50,000 keys notices).
    static func text<S: Collection>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count)
        for u in scalars {
            if u.value < 0x80 { bytes.append(UInt8(truncatingIfNeeded: u.value)) } else { bytes.append(contentsOf: UTF8.encode(u)!) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` as it would appear inside a quoted string in a message.
    static func escaped(_ text: String) -> String { String(text.debugDescription.dropFirst().dropLast()) }

    /// compose-go's `isSpace`: blanks that are not a line feed.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "\t", "\u{0B}", "\u{0C}", "\r", " ", "\u{85}", "\u{A0}": return true
        default: return false
        }
    }

    static func isLetterOrNumber(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 {   // ASCII: the same answer without the Unicode tables
            return ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
        }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}

private func isSpace(_ c: Unicode.Scalar) -> Bool { DotenvScanner.isSpace(c) }
private func isLetterOrNumber(_ c: Unicode.Scalar) -> Bool { DotenvScanner.isLetterOrNumber(c) }
