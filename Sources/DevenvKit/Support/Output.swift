import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes: human lines to stdout/stderr, colour only on a terminal and
/// never with `NO_COLOR`.
public final class Output: @unchecked Sendable {
    public let isTerminal: Bool
    public let stdinIsTerminal: Bool
    public let color: Bool
    private let lock = NSLock()

    /// `interactive`: whether questions may be asked (default: stdin is a terminal); tests pass false.
    public init(environment: [String: String], interactive: Bool? = nil) {
        isTerminal = isatty(STDOUT_FILENO) == 1
        stdinIsTerminal = interactive ?? (isatty(STDIN_FILENO) == 1)
        color = isTerminal && environment["NO_COLOR"].map { $0.isEmpty } ?? true && environment["TERM"] != "dumb"
    }

    public func print(_ line: String = "") { write(line + "\n", to: stdout) }
    public func error(_ line: String) { write(line + "\n", to: stderr) }
    public func raw(_ text: String) { write(text, to: stdout) }

    private func write(_ text: String, to file: UnsafeMutablePointer<FILE>) {
        lock.lock(); defer { lock.unlock() }
        fputs(text, file)
        fflush(file)
    }

    public enum Style: String { case bold = "1", dim = "2", red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36" }

    public func style(_ text: String, _ style: Style) -> String {
        color ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Prints a JSON value (sorted keys, pretty) followed by a newline.
    public func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    /// Asks a yes/no question on the terminal. Without a terminal it returns `nil` so the
    /// caller can demand `--yes`.
    public func confirm(_ question: String) -> Bool? {
        guard stdinIsTerminal else { return nil }
        raw("\(question) [y/N] ")
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
