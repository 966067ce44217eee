import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Cheap answers about short texts that the mirror asks of every staging value, so tens of
/// thousands of keys do not each go through Foundation's NSString bridging. Each gives exactly
/// the answer of the Foundation call it stands for.
enum TextScan {
    /// Whether `s` contains `://` (a URL's scheme separator).
    static func hasSchemeSeparator(_ s: String) -> Bool { schemeSeparators(in: s, atMost: 1) > 0 }

    /// How many `://` `s` holds, counting no further than `atMost`.
    static func schemeSeparators(in s: String, atMost: Int = .max) -> Int {
        var s = s
        return s.withUTF8 { b in
            guard let base = b.baseAddress, b.count >= 3 else { return 0 }
            var n = 0
            var i = 0
            // memchr finds each ':' (most values have none); then the two bytes after it.
            while i < b.count, let hit = memchr(base + i, Int32(UInt8(ascii: ":")), b.count - i) {
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if at + 2 < b.count, b[at + 1] == UInt8(ascii: "/"), b[at + 2] == UInt8(ascii: "/") {
                    n += 1
                    if n >= atMost { return n }
                    i = at + 3
                } else {
                    i = at + 1
                }
            }
            return n
        }
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

    /// Whether the ASCII text `s` holds `needle` (upper-case ASCII) ignoring case; nil when `s`
    /// is not ASCII (the caller then asks the Unicode way).
    static func asciiContainsIgnoringCase(_ s: String, _ needle: StaticString) -> Bool? {
        let n = needle.utf8CodeUnitCount
        var s = s
        return s.withUTF8 { h -> Bool? in
            guard h.allSatisfy({ $0 < 0x80 }) else { return nil }
            guard h.count >= n else { return false }
            let w = needle.utf8Start
            for i in 0...(h.count - n) {
                var k = 0
                while k < n {
                    let c = h[i + k]
                    guard (c >= 0x61 && c <= 0x7A ? c - 0x20 : c) == w[k] else { break }
                    k += 1
                }
                if k == n { return true }
            }
            return false
        }
    }

    /// Whether the ASCII text `s` holds any of `needles` (upper-case ASCII) ignoring case, in one
    /// pass over `s`; nil when `s` is not ASCII.
    static func asciiContainsIgnoringCase(_ s: String, any needles: [StaticString]) -> Bool? {
        var s = s
        return s.withUTF8 { h -> Bool? in
            guard h.allSatisfy({ $0 < 0x80 }) else { return nil }
            for i in 0..<h.count {
                let first = h[i] >= 0x61 && h[i] <= 0x7A ? h[i] - 0x20 : h[i]
                for needle in needles where needle.utf8Start[0] == first && i + needle.utf8CodeUnitCount <= h.count {
                    var k = 1
                    while k < needle.utf8CodeUnitCount {
                        let c = h[i + k]
                        guard (c >= 0x61 && c <= 0x7A ? c - 0x20 : c) == needle.utf8Start[k] else { break }
                        k += 1
                    }
                    if k == needle.utf8CodeUnitCount { return true }
                }
            }
            return false
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
    /// The number of characters of `s` (its byte count when ASCII, without walking graphemes).
    static func width(_ s: String) -> Int { s.utf8.allSatisfy({ $0 < 0x80 }) ? s.utf8.count : s.count }

    static func padded(_ s: String, to width: Int) -> String {
        let n = Self.width(s)
        return n >= width ? s : s + String(repeating: " ", count: width - n)
    }
}
