import Foundation

/// Cuts a byte stream into lines. Bytes after the last newline wait for the next chunk; a
/// trailing `\r` is dropped; invalid UTF-8 is replaced, never fatal.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    public mutating func feed(_ chunk: some Sequence<UInt8>) -> [String] {
        pending.append(contentsOf: chunk)
        var lines: [String] = []
        var start = 0
        for i in pending.indices where pending[i] == 10 {
            lines.append(Self.text(pending[start..<i]))
            start = i + 1
        }
        pending.removeFirst(start)
        return lines
    }

    /// What is left at the end of the stream (a last line without a newline).
    public mutating func finish() -> String? {
        defer { pending = [] }
        return pending.isEmpty ? nil : Self.text(pending[...])
    }

    package static func text(_ bytes: ArraySlice<UInt8>) -> String {
        var b = bytes
        if b.last == 13 { b = b.dropLast() }
        return String(decoding: b, as: UTF8.self)
    }
}
