import Foundation




/// Text that keeps every byte of a file that is not valid UTF-8 (a Latin-1 comment such as
/// `# caf\xe9`), so the dotenv merge, which works on Unicode scalars, can edit such a file
/// and write back exactly the bytes it did not change.
///
/// Each byte that is not part of a valid UTF-8 sequence becomes the private-use scalar
/// U+F700 + byte; a genuine U+F700…U+F7FF in the file is escaped the same way, byte by byte,
/// so `encode(decode(d)) == d` for every `d`. Values devenv inserts are written as UTF-8.
public enum ByteText {
    package static let base: UInt32 = 0xF700

    /// Whether `scalar` stands for one raw byte.
    public static func isEscape(_ scalar: Unicode.Scalar) -> Bool { (base...(base + 0xFF)).contains(scalar.value) }

    public static func decode(_ data: Data) -> String {
        let b = [UInt8](data)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            if let (scalar, length) = sequence(b, at: i), !isEscape(scalar) {
                out.append(scalar)
                i += length
            } else if let (_, length) = sequence(b, at: i) {
                for k in 0..<length { out.append(Unicode.Scalar(base + UInt32(b[i + k]))!) }
                i += length
            } else {
                out.append(Unicode.Scalar(base + UInt32(b[i]))!)
                i += 1
            }
        }
        return String(out)
    }

    public static func encode(_ text: String) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars {
            if isEscape(s) { out.append(UInt8(s.value - base)) } else { out.append(contentsOf: String(s).utf8) }
        }
        return Data(out)
    }

    /// The valid UTF-8 sequence starting at `i`: its scalar and length (no overlong forms,
    /// no surrogates, nothing above U+10FFFF).
    package static func sequence(_ b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length: Int, minimum: UInt32
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; minimum = 0x800; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; minimum = 0x10000; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard i + length <= b.count else { return nil }
        for k in 1..<length {
            let c = b[i + k]
            guard c & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
