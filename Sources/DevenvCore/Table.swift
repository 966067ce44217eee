import Foundation

/// Plain text columns (ANSI colour codes are not counted as width).
public enum Table {
    public static func render(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for r in all { for (i, cell) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], visible(cell)) } }
        return all.map { r in
            r.enumerated().map { i, cell in i == r.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - visible(cell)) }
                .joined(separator: "  ")
        }.map { "  " + $0 }
    }

    /// Width on screen: characters outside `ESC [ … m` colour codes.
    package static func visible(_ s: String) -> Int {
        guard s.contains("\u{1B}") else { return s.count }
        var n = 0, inEscape = false
        for ch in s {
            if inEscape { if ch == "m" { inEscape = false } } else if ch == "\u{1B}" { inEscape = true } else { n += 1 }
        }
        return n
    }
}

/// A value listed as one row of a table (apple/container's `ListDisplayable`): `ls`,
/// `snapshot ls`, … render through `Table.render(_:)`.
public protocol TableRow {
    static var tableHeader: [String] { get }
    var tableCells: [String] { get }
}

extension Table {
    public static func render<R: TableRow>(_ rows: [R]) -> [String] { render(header: R.tableHeader, rows: rows.map(\.tableCells)) }

    /// `2026-01-12 10:04` in the machine's time zone.
    public static func date(_ d: Date?) -> String {
        guard let d else { return "-" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: d)
    }
}
