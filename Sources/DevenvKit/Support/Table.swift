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
    static func visible(_ s: String) -> Int {
        guard s.contains("\u{1B}") else { return s.count }
        var n = 0, inEscape = false
        for ch in s {
            if inEscape { if ch == "m" { inEscape = false } } else if ch == "\u{1B}" { inEscape = true } else { n += 1 }
        }
        return n
    }
}
