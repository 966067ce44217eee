import Foundation

/// One thing wrong with a manifest, at a place in the file.
public struct ManifestProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    /// The file the problem is in when it is not the error's own (a kind's service.yml).
    public var file: String?

    public init(line: Int, column: Int, _ message: String, file: String? = nil) {
        self.line = line
        self.column = column
        self.message = message
        self.file = file
    }

    public var description: String { "\(line):\(column): \(message)" }
}

/// Every problem found in a manifest, reported together (exit 2).
public struct ManifestError: Error, Sendable {
    public var file: String
    public var problems: [ManifestProblem]

    /// `devenv.yml:3:5: unknown key 'verison' in service 'postgres'; did you mean 'version'?`
    public func lines(relativeTo cwd: String) -> [String] {
        problems.sorted { ($0.file ?? "", $0.line, $0.column) < ($1.file ?? "", $1.line, $1.column) }
            .map { "\(Paths.relative($0.file ?? file, to: cwd)):\($0.line):\($0.column): \($0.message)" }
    }

    /// The problems with their file set, to be merged into another file's error.
    public var located: [ManifestProblem] { problems.map { var p = $0; p.file = p.file ?? file; return p } }

    public var asDevenvError: DevenvError {
        let count = problems.count
        return DevenvError(
            "\(file) has \(count) problem\(count == 1 ? "" : "s"):",
            hint: "Fix the manifest and run the command again (see README: \"The manifest\").",
            exitCode: .usage,
            details: lines(relativeTo: FileManager.default.currentDirectoryPath).map { "  " + $0 })
    }
}

/// The nearest valid word for a misspelt one (Levenshtein distance, at most a third of its length).
public enum Suggest {
    public static func nearest(_ word: String, among candidates: [String]) -> String? {
        let limit = max(1, word.count / 3 + 1)
        let w = word.lowercased()
        // A shared prefix counts as closer: 'mongo' means 'mongodb' more than 'minio'.
        let scored = candidates.map { c -> (String, Int) in
            let l = c.lowercased()
            let d = distance(w, l)
            return (c, (l.hasPrefix(w) || w.hasPrefix(l)) && d > 0 ? d - 1 : d)
        }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= limit else { return nil }
        return best.0
    }

    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// "; did you mean 'x'?" or "" when nothing is near.
    public static func hint(_ word: String, among candidates: [String]) -> String {
        nearest(word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}

public enum Paths {
    /// `path` relative to `base` when it lies under it, else `path` unchanged.
    public static func relative(_ path: String, to base: String) -> String {
        let b = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(b) ? String(path.dropFirst(b.count)) : path
    }
}
