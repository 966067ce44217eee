import Foundation
import Yams
import DevenvCore

/// Where a YAML error really is. Yams reports a duplicated key at the first of the keys
/// (with a dump of the whole file) and a forbidden character by character offset; both become
/// a `ManifestProblem` at the line and column a person can go to, with a one-line message.
package enum YamlProblem {
    /// A Yams error at its mark, as one line: "invalid YAML: …".
    package static func problem(from error: YamlError) -> ManifestProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
            return ManifestProblem(line: mark.line, column: mark.column, "invalid YAML: \(what)")
        default:
            return ManifestProblem(line: 1, column: 1, "invalid YAML: \(error)")
        }
    }

    package static func problem(from error: YamlError, text: String) -> ManifestProblem {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let first = (line: context.mark.line, column: context.mark.column)
            let second = secondOccurrence(of: key, after: first, in: text)
            let at = second ?? first
            return ManifestProblem(line: at.line, column: at.column,
                                   "'\(key)' appears twice in the same map (first at line \(first.line)); keep one of them"
                                    + (duplicates.count > 1 ? " (also duplicated: \(duplicates.dropFirst().map { "'\($0)'" }.joined(separator: ", ")))" : ""))
        case .reader(let problem, let offset, let value, _):
            let (line, column) = offset.map { position(ofCharacter: $0, in: text) } ?? (1, 1)
            let what = value == 0 ? "a NUL character (byte 0x00)" : String(format: "the control character U+%04X", value)
            let message = problem.contains("control characters") || value == 0 ? "\(what) is not allowed in YAML; delete it" : "invalid text: \(problem)"
            return ManifestProblem(line: line, column: column, message)
        default:
            return YamlProblem.problem(from: error)
        }
    }

    /// The first byte that is not UTF-8, at its line and column.
    package static func notUTF8(_ data: Data) -> ManifestProblem {
        let b = [UInt8](data)
        var i = 0, line = 1, column = 1
        while i < b.count, let (_, n) = ByteText.sequence(b, at: i) {
            if b[i] == 10 { line += 1; column = 1 } else { column += 1 }
            i += n
        }
        return ManifestProblem(line: line, column: column, i < b.count
            ? String(format: "byte 0x%02X is not UTF-8 text; save the file as UTF-8", b[i]) : "the file is not UTF-8 text; save it as UTF-8")
    }

    /// 1-based line and column of the `offset`-th character.
    package static func position(ofCharacter offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1
        for (i, ch) in text.enumerated() {
            if i == offset { break }
            if ch == "\n" || ch == "\r\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    /// The next `key:` at the same column after `first` (block maps), or on the same line
    /// (flow maps), before a line indented less than the key (the map ended).
    package static func secondOccurrence(of key: String, after first: (line: Int, column: Int), in text: String) -> (line: Int, column: Int)? {
        let lines = text.components(separatedBy: "\n")
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let firstLine = Array(lines[first.line - 1])
        let tail = String(firstLine.dropFirst(min(firstLine.count, first.column - 1 + key.count)))
        if let r = flowKey(key, in: tail) {
            return (first.line, first.column + key.count + tail.distance(from: tail.startIndex, to: r))
        }
        for n in first.line..<lines.count {
            let line = lines[n]
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if body.isEmpty || body.hasPrefix("#") { continue }
            if indent + 1 < first.column { return nil }
            if indent + 1 == first.column, isKey(key, at: body) { return (n + 1, first.column) }
        }
        return nil
    }

    package static func isKey(_ key: String, at body: Substring) -> Bool {
        for form in [key, "\"\(key)\"", "'\(key)'"] where body.hasPrefix(form) {
            let rest = body.dropFirst(form.count).drop { $0 == " " }
            if rest.hasPrefix(":") { return true }
        }
        return false
    }

    package static func flowKey(_ key: String, in text: String) -> String.Index? {
        var search = text.startIndex
        while let r = text.range(of: key, range: search..<text.endIndex) {
            let before = text[text.startIndex..<r.lowerBound].last { $0 != " " }
            if before == "," || before == "{", isKey(key, at: text[r.lowerBound...]) { return r.lowerBound }
            search = r.upperBound
        }
        return nil
    }
}
