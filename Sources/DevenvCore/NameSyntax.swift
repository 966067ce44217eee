/// A set of ASCII bytes written as in a regular expression's class (`A-Za-z0-9_.-`).
public struct ASCIIClass: Sendable {
    private let members: [Bool]

    /// `spec`: ranges `a-z` and single characters; a `-` first or last is itself.
    public init(_ spec: String) {
        var members = [Bool](repeating: false, count: 128)
        let b = Array(spec.utf8)
        var i = 0
        while i < b.count {
            if i + 2 < b.count, b[i + 1] == UInt8(ascii: "-") {
                for c in b[i]...b[i + 2] where c < 128 { members[Int(c)] = true }
                i += 3
            } else {
                if b[i] < 128 { members[Int(b[i])] = true }
                i += 1
            }
        }
        self.members = members
    }

    public func contains(_ byte: UInt8) -> Bool { byte < 128 && members[Int(byte)] }
}

/// Names checked byte by byte, `^[first][rest]*$`, rather than with a regular expression: the
/// first expression a process compiles starts ICU (about 8 M instructions, a tenth of a
/// `devenv status`), and names are checked in every command.
public enum NameSyntax {
    public static func matches(_ name: String, first: ASCIIClass, rest: ASCIIClass) -> Bool {
        var bytes = name.utf8.makeIterator()
        guard let head = bytes.next(), first.contains(head) else { return false }
        while let b = bytes.next() { guard rest.contains(b) else { return false } }
        return true
    }
}
