import Foundation
import DevenvCore

/// One thing wrong with a manifest, at a place in the file.
public struct ManifestProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    /// The file the problem is in when it is not the error's own (a kind's service.yml).
    public var file: String?

    /// The longest message kept whole; a longer one (a long value quoted back) is cut in the
    /// middle, so an error stays a few lines.
    public static let maxMessage = 600

    public init(line: Int, column: Int, _ message: String, file: String? = nil) {
        self.line = line
        self.column = column
        self.message = message.count > Self.maxMessage ? String(message.prefix(300)) + " … " + String(message.suffix(200)) : message
        self.file = file
    }

    public var description: String { "\(line):\(column): \(message)" }
}

/// Every problem found in a manifest, reported together (exit 2).
public struct ManifestError: Error, Sendable {
    public var file: String
    public var problems: [ManifestProblem]

    package init(file: String, problems: [ManifestProblem]) { self.file = file; self.problems = problems }

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


