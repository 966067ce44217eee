import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The outcome of `Dotenv.merge`: the new text and what happened to each managed key.
/// Each managed key is in exactly one of `updated`, `added`, `keptUserValues`, `unchanged`,
/// in the order the keys were given.
public struct DotenvMerge: Sendable, Equatable {
    /// The whole file as it should be written.
    public var text: String
    /// Keys whose value devenv replaced in place.
    public var updated: [String]
    /// Keys appended at the end (under `# Added by devenv`).
    public var added: [String]
    /// Keys whose value a person changed; their value was kept (use force to overwrite).
    public var keptUserValues: [String]
    /// Keys that already had the managed value.
    public var unchanged: [String]
    /// Whether `text` differs from the existing file, i.e. whether it needs writing.
    public var changed: Bool { !updated.isEmpty || !added.isEmpty }

    public init(text: String, updated: [String] = [], added: [String] = [], keptUserValues: [String] = [],
                unchanged: [String] = []) {
        self.text = text
        self.updated = updated
        self.added = added
        self.keptUserValues = keptUserValues
        self.unchanged = unchanged
    }
}

/// What `devenv env --check` reports for one file: the same decisions `merge` would take,
/// without writing. Consistent with merge: right after a merge is written, the check is clean.
public struct DotenvCheck: Sendable, Equatable {
    /// Managed keys the file does not set.
    public var missing: [String]
    /// Managed keys whose value differs from what devenv would write now.
    public var stale: [String]
    /// Managed keys a person changed; merge keeps them, so they do not make the file stale.
    public var userValues: [String]
    /// No managed key is missing or stale.
    public var isUpToDate: Bool { missing.isEmpty && stale.isEmpty }
}

extension Dotenv {
    /// The comment written above keys devenv appends.
    public static let addedComment = "# Added by devenv"

    /// Update the managed keys in place, append missing ones at the end under a short comment
    /// (`# Added by devenv`), keep every other byte (comments, blank lines, order, `export`
    /// prefixes, CRLF line endings, a BOM, a missing final newline) as it was.
    ///
    /// `lastWritten` is what devenv wrote last time for each key: if the file's current value
    /// differs from it (a person edited it) and `force` is false, the person's value is kept and
    /// reported in `keptUserValues`. A non-empty value devenv has no record of writing counts as
    /// a person's too; an empty one (`KEY=`, `KEY=''`, `KEY= # fill me`) is filled in.
    /// With duplicate keys the last assignment, the one compose uses, is the one updated.
    /// `existing` nil (or empty) means a new file. `file` names the file in errors.
    /// Throws for a managed key that is not a valid name or is listed twice, a value holding
    /// NUL, and an existing file compose could not parse (it is never rewritten blindly).
    public static func merge(existing: String?, managed: [(key: String, value: String)],
                             lastWritten: [String: String], force: Bool,
                             file: String = ".env") throws -> DotenvMerge {
        var seen = Set<String>()
        for (key, value) in managed {
            guard isValidKey(key) else {
                throw DevenvError.usage("\(file): \"\(DotenvScanner.escaped(key))\" is not a valid variable name",
                                        hint: "use letters, digits and _, not starting with a digit")
            }
            guard seen.insert(key).inserted else { throw DevenvError.usage("\(file): \(key) is listed twice") }
            guard !value.unicodeScalars.contains("\0") else {
                throw DevenvError.usage("\(file): the value of \(key) contains a NUL character, which no environment variable can hold")
            }
        }
        let doc = try DotenvScanner.scan(existing ?? "", file: file, lookup: { _ in nil }, lenient: true)
        let s = doc.scalars
        var last: [String: DotenvEntry] = [:]
        for entry in doc.entries where !entry.inherited { last[entry.key] = entry }

        var result = DotenvMerge(text: "")
        var replacements: [(range: Range<Int>, text: String)] = []
        var appended: [(key: String, value: String)] = []
        for (key, value) in managed {
            guard let entry = last[key], let current = entry.value else {
                appended.append((key, value))
                result.added.append(key)
                continue
            }
            if current == value {
                result.unchanged.append(key)
                continue
            }
            let raw = DotenvScanner.text(s[entry.valueRange])
            let personEdited = lastWritten[key].map { $0 != current } ?? !isPlaceholder(raw)
            if personEdited && !force {
                result.keptUserValues.append(key)
                continue
            }
            // A bare value runs to the end of the line (or ` #`): when other text follows the old
            // value (`KEY='a'#note`, `KEY="a" B=1`), the new one is quoted so it cannot swallow it.
            let rest = s[entry.valueRange.upperBound...].prefix { $0 != "\n" }
            let afterSpaces = rest.drop { $0 == " " }
            let bareIsSafe = afterSpaces.allSatisfy { $0.properties.isWhitespace }
                || (rest.first == " " && afterSpaces.first == "#")
            let form = Form.best(for: value, quoted: !bareIsSafe && !raw.hasPrefix("#"))
            var replacement = form.encode(value)
            if raw.hasPrefix("#") { replacement += " " + raw } // `KEY= # note`: keep the note
            replacements.append((entry.valueRange, replacement))
            result.updated.append(key)
        }

        var out = doc.hasBOM ? "\u{FEFF}" : ""
        var cursor = 0
        for (range, text) in replacements.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            out += DotenvScanner.text(s[cursor..<range.lowerBound])
            out += text
            cursor = range.upperBound
        }
        out += DotenvScanner.text(s[cursor...])
        if !appended.isEmpty {
            let exportAll = !last.isEmpty && doc.entries.allSatisfy { $0.inherited || $0.hasExport }
            out += appendBlock(to: s, entries: appended, export: exportAll)
        }
        result.text = out
        return result
    }

    /// The stale and missing managed keys of a file (`devenv env --check`), decided as `merge`
    /// (without force) would decide them. `existing` nil means the file does not exist.
    public static func check(existing: String?, managed: [(key: String, value: String)],
                             lastWritten: [String: String] = [:], file: String = ".env") throws -> DotenvCheck {
        let merged = try merge(existing: existing, managed: managed, lastWritten: lastWritten, force: false, file: file)
        return DotenvCheck(missing: merged.added, stale: merged.updated, userValues: merged.keptUserValues)
    }

    /// An empty value as written: nothing, `''`, `""`, or only a comment.
    private static func isPlaceholder(_ raw: String) -> Bool {
        raw.isEmpty || raw == "''" || raw == "\"\"" || raw.hasPrefix("#")
    }

    /// The text appended after the existing scalars `s`: a line break if the file lacks a final
    /// one, a blank line and the comment unless the file already ends with devenv's block, then
    /// one line per key. Line endings follow the file's last line ending; a file that ended
    /// without a final newline still does.
    private static func appendBlock(to s: [Unicode.Scalar], entries: [(key: String, value: String)],
                                    export: Bool) -> String {
        let lastLF = s.lastIndex(of: "\n")
        let nl = lastLF.map { $0 > 0 && s[$0 - 1] == "\r" ? "\r\n" : "\n" } ?? "\n"
        let lines = entries.map { (export ? "export " : "") + $0.key + "=" + quote($0.value) }
        let isEmpty = s.allSatisfy { $0.properties.isWhitespace }
        if isEmpty {
            return ([addedComment] + lines).map { $0 + nl }.joined()
        }
        let endsWithNewline = s.last == "\n"
        var text = endsWithNewline ? "" : nl
        let fileLines = splitLines(s)
        if !endsWithOwnBlock(fileLines) {
            let blank = fileLines.last?.allSatisfy { $0.properties.isWhitespace } ?? true
            text += (blank && endsWithNewline ? "" : nl) + addedComment + nl
        }
        text += lines.joined(separator: nl)
        if endsWithNewline { text += nl }
        return text
    }

    /// Whether the file ends with `# Added by devenv` followed only by assignment lines.
    private static func endsWithOwnBlock(_ lines: [ArraySlice<Unicode.Scalar>]) -> Bool {
        let comment = Array(addedComment.unicodeScalars)
        let blank = { (c: Unicode.Scalar) in c == "\t" || c.properties.generalCategory == .spaceSeparator }
        for line in lines.reversed() {
            // The line without leading and trailing blanks (`trimmingCharacters(in: .whitespaces)`).
            guard let first = line.firstIndex(where: { !blank($0) }), let last = line.lastIndex(where: { !blank($0) }) else { return false }
            let trimmed = line[first...last]
            if trimmed.elementsEqual(comment) { return true }
            if trimmed.first == "#" || !trimmed.contains("=") { return false }
        }
        return false
    }

    /// The lines of `s` without their `\n` / `\r\n` endings; no empty last line for a final newline.
    private static func splitLines(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var result = s.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.last == "\r" ? $0.dropLast() : $0 }
        if s.last == "\n" { result.removeLast() }
        return result
    }
}
