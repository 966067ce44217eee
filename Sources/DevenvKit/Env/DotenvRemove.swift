import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

extension Dotenv {
    /// The text without the assignments of `keys`: each such line (a multi-line quoted value with
    /// all its lines) goes with its line break; every other byte stays as it was. A key whose
    /// assignment shares a line with another statement (`A="x" B=1`) is left in place and not
    /// reported. Returns the keys removed, in file order, once each.
    public static func removing(_ keys: Set<String>, from text: String, file: String = ".env") throws -> (text: String, removed: [String]) {
        guard !keys.isEmpty else { return (text, []) }
        let doc = try DotenvScanner.scan(text, file: file, lookup: { _ in nil }, lenient: true)
        let s = doc.scalars
        let n = s.count
        var cuts: [Range<Int>] = []
        var removed: [String] = []
        var seen = Set<String>()
        for (i, entry) in doc.entries.enumerated() where keys.contains(entry.key) {
            var start = entry.valueRange.lowerBound
            while start > 0, s[start - 1] != "\n" { start -= 1 }
            var end = max(entry.valueRange.upperBound, start)
            while end < n, s[end] != "\n" { end += 1 }
            if end < n { end += 1 }
            let sharesLine = (i > 0 && doc.entries[i - 1].valueRange.upperBound > start && !keys.contains(doc.entries[i - 1].key))
                || (i + 1 < doc.entries.count && doc.entries[i + 1].valueRange.lowerBound < end && !keys.contains(doc.entries[i + 1].key))
            if sharesLine { continue }
            if let last = cuts.last, last.upperBound > start { cuts[cuts.count - 1] = last.lowerBound..<max(last.upperBound, end) } else { cuts.append(start..<end) }
            if seen.insert(entry.key).inserted { removed.append(entry.key) }
        }
        guard !cuts.isEmpty else { return (text, []) }
        var out = doc.hasBOM ? "\u{FEFF}" : ""
        var cursor = 0
        for cut in cuts {
            out += DotenvScanner.text(s[cursor..<cut.lowerBound])
            cursor = cut.upperBound
        }
        out += DotenvScanner.text(s[cursor...])
        return (out, removed)
    }
}
