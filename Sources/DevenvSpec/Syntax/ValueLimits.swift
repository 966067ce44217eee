import Foundation
import Yams
import DevenvCore

/// How long a manifest's values may be. A setting is a word, a line, a command or a short
/// script; anything longer belongs in a file the manifest names (a seed file, an env file).
/// The limit keeps a pasted blob (or a fuzzed 10 MB `version:`) from reaching the engine or
/// being quoted back in an error message.
package enum ValueLimits {
    /// The most bytes (UTF-8) one value or key may have: 64 KiB.
    package static let maxValueBytes = 64 * 1024
    /// The most characters of a value an error message quotes.
    package static let maxQuoted = 60

    /// A problem (file:line:column) for every value or key over `maxValueBytes`, in file order.
    package static func oversized(_ node: Node) -> [ManifestProblem] {
        var out: [ManifestProblem] = []
        func walk(_ n: Node) {
            switch n {
            case .scalar(let s):
                let bytes = s.string.utf8.count
                if bytes > maxValueBytes {
                    out.append(ManifestProblem(line: n.mark?.line ?? 1, column: n.mark?.column ?? 1,
                        "a value of \(bytes) bytes ('\(quoted(s.string))'); at most \(maxValueBytes) bytes (64 KiB) — put long content in a file and name the file"))
                }
            case .mapping(let m): for (k, v) in m { walk(k); walk(v) }
            case .sequence(let seq): for v in seq { walk(v) }
            case .alias: break
            }
        }
        walk(node)
        return out
    }

    /// `text` cut to `maxQuoted` characters (with `…`), for quoting in a message.
    package static func quoted(_ text: String) -> String {
        text.count > maxQuoted ? String(text.prefix(maxQuoted)) + "…" : text
    }
}
