import Foundation

/// Cheap answers about short texts that the mirror asks of every staging value, so tens of
/// thousands of keys do not each go through Foundation's NSString bridging. Each gives exactly
/// the answer of the Foundation call it stands for.
enum TextScan {
    /// Whether `s` contains `://` (a URL's scheme separator).
    static func hasSchemeSeparator(_ s: String) -> Bool { schemeSeparators(in: s, atMost: 1) > 0 }

    /// How many `://` `s` holds, counting no further than `atMost`.
    static func schemeSeparators(in s: String, atMost: Int = .max) -> Int {
        var n = 0
        var run = 0   // 0: nothing, 1: ":", 2: ":/"
        for c in s.utf8 {
            switch (run, c) {
            case (_, UInt8(ascii: ":")): run = 1
            case (1, UInt8(ascii: "/")): run = 2
            case (2, UInt8(ascii: "/")):
                n += 1
                if n >= atMost { return n }
                run = 0
            default: run = 0
            }
        }
        return n
    }

    /// Whether `needle` occurs in `s`, byte for byte (Foundation's `contains` for the ASCII
    /// words and generated passwords it is asked about).
    static func contains(_ s: String, _ needle: String) -> Bool {
        let n = needle.utf8.count
        guard n > 0 else { return true }
        var s = s, needle = needle
        return s.withUTF8 { h in
            needle.withUTF8 { w in
                guard h.count >= n else { return false }
                let first = w[0]
                var i = 0
                while i <= h.count - n {
                    if h[i] == first, memcmp(h.baseAddress! + i, w.baseAddress!, n) == 0 { return true }
                    i += 1
                }
                return false
            }
        }
    }

    /// `s.trimmingCharacters(in: .whitespaces)` (tab and Unicode space separators), without a
    /// copy when `s` neither starts nor ends with one.
    static func trimmingBlanks(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last,
              isBlank(first) || isBlank(last) else { return s }
        return s.trimmingCharacters(in: .whitespaces)
    }

    static func isBlank(_ u: Unicode.Scalar) -> Bool { u == "\t" || u.properties.generalCategory == .spaceSeparator }

    /// `s` padded with spaces to `width` characters (`padding(toLength:withPad:startingAt:)`
    /// for texts no longer than `width`).
    static func padded(_ s: String, to width: Int) -> String {
        let n = s.utf8.allSatisfy({ $0 < 0x80 }) ? s.utf8.count : s.count   // ASCII: one byte per character
        return n >= width ? s : s + String(repeating: " ", count: width - n)
    }
}
