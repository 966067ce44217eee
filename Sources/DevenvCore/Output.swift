import Foundation
import DevenvPlatform

/// Where a command writes: human lines to stdout/stderr, colour only on a terminal and
/// never with `NO_COLOR`. `Output.capturing()` records instead (tests of orchestration).
public final class Output: Sendable {
    public let isTerminal: Bool
    public let stdinIsTerminal: Bool
    public let color: Bool
    /// Set when capturing: what was written to each stream. Its lock also keeps the writes of
    /// two threads from interleaving.
    private let captured: Locked<(out: String, err: String)?>
    /// The keys of the notes `errorOnce` printed.
    private let noted = Locked(Set<String>())

    /// `interactive`: whether questions may be asked (default: stdin is a terminal); tests pass false.
    public init(environment: [String: String], interactive: Bool? = nil) {
        isTerminal = isatty(STDOUT_FILENO) == 1
        stdinIsTerminal = interactive ?? (isatty(STDIN_FILENO) == 1)
        color = isTerminal && environment["NO_COLOR"].map { $0.isEmpty } ?? true && environment["TERM"] != "dumb"
        captured = Locked(nil)
    }

    private init(capturing: Void) {
        isTerminal = false; stdinIsTerminal = false; color = false
        captured = Locked(("", ""))
    }

    /// An output that keeps what is written (no terminal, no colour, no questions answered).
    public static func capturing() -> Output { Output(capturing: ()) }

    /// What was printed to stdout and stderr so far (empty unless capturing).
    public var printed: (stdout: String, stderr: String) {
        let c = captured.value
        return (c?.out ?? "", c?.err ?? "")
    }

    public func print(_ line: String = "") { write(line + "\n", fd: STDOUT_FILENO) }
    public func error(_ line: String) { write(line + "\n", fd: STDERR_FILENO) }
    /// Prints `line` to stderr unless a line with the same `key` was printed by this command
    /// already (a recovery note: a command may read the same damaged file twice).
    public func errorOnce(key: String, _ line: String) {
        if noted.with({ $0.insert(key).inserted }) { error(line) }
    }
    public func raw(_ text: String) { write(text, fd: STDOUT_FILENO) }

    /// Prints UTF-8 bytes and a newline, without making a string of them first (large JSON).
    public func print(utf8 bytes: [UInt8]) {
        captured.with { captured in
            if captured != nil { captured!.out += String(decoding: bytes, as: UTF8.self) + "\n"; return }
            bytes.withUnsafeBytes { Self.writeAll(STDOUT_FILENO, $0) }
            Self.newline.withUnsafeBytes { Self.writeAll(STDOUT_FILENO, $0) }
        }
    }

    private func write(_ text: String, fd: Int32) {
        captured.with { captured in
            if captured != nil {
                if fd == STDOUT_FILENO { captured!.out += text } else { captured!.err += text }
                return
            }
            var text = text
            text.withUTF8 { Self.writeAll(fd, UnsafeRawBufferPointer($0)) }
        }
    }

    private static let newline: [UInt8] = [0x0A]

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) {
        var rest = buffer
        while !rest.isEmpty {
            let n = Posix.write(fd, rest.baseAddress!, rest.count)
            if n < 0 { if errno == EINTR { continue }; return }
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
    }

    public enum Style: String, Sendable { case bold = "1", dim = "2", red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36" }

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
