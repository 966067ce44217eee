/// One row of Linux's `/proc/net/tcp` or `/proc/net/tcp6`.
public struct ProcNetTCPEntry: Sendable, Equatable {
    /// Local address as text (`"127.0.0.1"`, `"::"`, `"::ffff:127.0.0.1"`).
    public var address: String
    /// Local port.
    public var port: Int
    /// The kernel's TCP state number (`0x0A` is LISTEN, `0x01` ESTABLISHED).
    public var state: UInt8
    /// The uid that owns the socket.
    public var uid: UInt32
    /// The socket inode: `/proc/<pid>/fd/N` links to `socket:[inode]`.
    public var inode: UInt64

    public init(address: String, port: Int, state: UInt8, uid: UInt32, inode: UInt64) {
        self.address = address; self.port = port; self.state = state; self.uid = uid; self.inode = inode
    }

    public var isListening: Bool { state == ProcNetTCP.listenState }
}

/// Pure parsers for `/proc/net/tcp` and `/proc/net/tcp6`.
///
/// A row reads `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`. Addresses are hex:
/// IPv4 is one 32-bit word, IPv6 four words, each word printed by the kernel as a host-order
/// integer (little-endian on x86-64 and arm64, so `127.0.0.1` reads `0100007F` and `::1`
/// reads `00000000000000000000000001000000`). Ports are plain hex numbers.
public enum ProcNetTCP {
    /// The kernel's number for the LISTEN state.
    public static let listenState: UInt8 = 0x0A

    /// Parses one row in any state; `nil` for the header line or a malformed row.
    public static func parseLine(_ line: String) -> ProcNetTCPEntry? {
        var text = line
        return text.withUTF8 { buf in
            var result: ProcNetTCPEntry?
            forEachRow(buf, port: nil, onlyListening: false) { result = $0; return false }
            return result
        }
    }

    /// The LISTEN rows of a whole file, optionally only those on `port`. The header and rows in
    /// other states are skipped.
    public static func listeners(in text: String, port: Int? = nil) -> [ProcNetTCPEntry] {
        var text = text
        return text.withUTF8 { listeners(in: $0, port: port) }
    }

    /// The LISTEN rows of a whole file given as raw bytes (what `read(2)` returned).
    public static func listeners(in bytes: UnsafeBufferPointer<UInt8>, port: Int? = nil) -> [ProcNetTCPEntry] {
        var out: [ProcNetTCPEntry] = []
        forEachRow(bytes, port: port, onlyListening: true) { out.append($0); return true }
        return out
    }

    /// Decodes a hex address as /proc prints it: 8 digits for IPv4, 32 for IPv6.
    public static func decodeAddress(hex: String) -> String? {
        var text = hex
        return text.withUTF8 { decodeAddress($0, 0, $0.count) }
    }

    // MARK: - Byte-level scanning

    /// Calls `body` for each parsed row; stops when `body` returns false. Rows are filtered as
    /// early as possible (port first, then state) so a big table costs little.
    static func forEachRow(_ buf: UnsafeBufferPointer<UInt8>, port: Int?, onlyListening: Bool,
                           _ body: (ProcNetTCPEntry) -> Bool) {
        var lineStart = 0
        let n = buf.count
        while lineStart < n {
            var lineEnd = lineStart
            while lineEnd < n && buf[lineEnd] != 0x0A { lineEnd += 1 }
            if let entry = parseRow(buf, lineStart, lineEnd, port: port, onlyListening: onlyListening) {
                if !body(entry) { return }
            }
            lineStart = lineEnd + 1
        }
    }

    /// Parses the row in `buf[start..<end]`, or returns nil (header, malformed, filtered out).
    static func parseRow(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                         port wanted: Int?, onlyListening: Bool) -> ProcNetTCPEntry? {
        var i = start
        var field = 0
        var addrStart = 0, addrEnd = 0, port = 0, state: UInt8 = 0, uid: UInt32 = 0
        while i < end {
            while i < end && (buf[i] == 0x20 || buf[i] == 0x09) { i += 1 }
            guard i < end else { break }
            let fieldStart = i
            while i < end && buf[i] != 0x20 && buf[i] != 0x09 { i += 1 }
            switch field {
            case 0:
                guard buf[i - 1] == UInt8(ascii: ":") else { return nil } // header: "sl"
            case 1:
                var colon = fieldStart
                while colon < i && buf[colon] != UInt8(ascii: ":") { colon += 1 }
                guard colon < i, let p = hexValue(buf, colon + 1, i), p > 0, p <= 0xFFFF else { return nil }
                if let wanted, wanted != Int(p) { return nil }
                addrStart = fieldStart; addrEnd = colon; port = Int(p)
            case 3:
                guard let s = hexValue(buf, fieldStart, i), s <= 0xFF else { return nil }
                state = UInt8(s)
                if onlyListening && state != listenState { return nil }
            case 7:
                guard let u = decimalValue(buf, fieldStart, i), u <= UInt64(UInt32.max) else { return nil }
                uid = UInt32(u)
            case 9:
                guard let inode = decimalValue(buf, fieldStart, i),
                      let address = decodeAddress(buf, addrStart, addrEnd) else { return nil }
                return ProcNetTCPEntry(address: address, port: port, state: state, uid: uid, inode: inode)
            default:
                break
            }
            field += 1
        }
        return nil
    }

    static func hexValue(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64? {
        guard start < end, end - start <= 16 else { return nil }
        var v: UInt64 = 0
        for i in start..<end {
            let c = buf[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt64(d)
        }
        return v
    }

    static func decimalValue(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64? {
        guard start < end, end - start <= 19 else { return nil }
        var v: UInt64 = 0
        for i in start..<end {
            let c = buf[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + UInt64(c - 0x30)
        }
        return v
    }

    /// Turns 8 or 32 hex digits into address bytes (each 32-bit word in host order) and text.
    static func decodeAddress(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String? {
        let count = end - start
        guard count == 8 || count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count / 2)
        var i = start
        while i < end {
            guard let v = hexValue(buf, i, i + 8) else { return nil }
            // The kernel printed the word as a native integer; its memory order is the address order.
            let word = UInt32(truncatingIfNeeded: v).littleEndian
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
            i += 8
        }
        return count == 8 ? formatIPv4(bytes[0...]) : formatIPv6(bytes)
    }

    static func formatIPv4(_ b: ArraySlice<UInt8>) -> String {
        b.map(String.init).joined(separator: ".")
    }

    /// RFC 5952 text: lower-case hex, the longest run (≥ 2) of zero groups as `::` (first one on
    /// a tie), and IPv4-mapped addresses as `::ffff:a.b.c.d`.
    static func formatIPv6(_ b: [UInt8]) -> String {
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
            return "::ffff:" + formatIPv4(b[12..<16])
        }
        let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
        var bestStart = -1, bestLen = 0, runStart = -1
        for g in 0...8 {
            if g < 8 && groups[g] == 0 {
                if runStart < 0 { runStart = g }
            } else if runStart >= 0 {
                if g - runStart > bestLen && g - runStart >= 2 { bestStart = runStart; bestLen = g - runStart }
                runStart = -1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        let head = hex[0..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLen)...].joined(separator: ":")
        return head + "::" + tail
    }
}
