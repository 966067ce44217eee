import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 (FIPS 180-4): the seed ledger's file checksums (fed in pieces, so a file costs a
/// fixed 1 MiB buffer whatever its size) and the staging lock's secret digests.
/// (Foundation on Linux has no CryptoKit; swift-crypto is not a dependency.)
///
/// The 64 rounds are unrolled over local variables and the helpers are `@_transparent`
/// (inlined even without optimisation), so a debug build hashes about 70 MB/s and a release
/// build about 200 MB/s — faster than a seed is applied, which it runs beside.
public struct SHA256 {
    private var h0: UInt32 = 0x6a09e667, h1: UInt32 = 0xbb67ae85, h2: UInt32 = 0x3c6ef372, h3: UInt32 = 0xa54ff53a
    private var h4: UInt32 = 0x510e527f, h5: UInt32 = 0x9b05688c, h6: UInt32 = 0x1f83d9ab, h7: UInt32 = 0x5be0cd19
    /// Bytes of an incomplete block carried to the next `update`.
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    public init() { pending.reserveCapacity(64) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        length &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
            offset = take
            if pending.count == 64 {
                let block = pending
                block.withUnsafeBytes { compress($0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - offset >= 64 {
            compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 64)]))
            offset += 64
        }
        if offset < bytes.count { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
    }

    public mutating func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    /// The 32-byte digest of everything fed so far.
    public mutating func finalizeDigest() -> [UInt8] {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
        for i in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
        tail.withUnsafeBytes { update($0) }
        return [h0, h1, h2, h3, h4, h5, h6, h7].flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - $0 * 8)) } }
    }

    /// The lower-case hex digest of everything fed so far.
    public mutating func finalize() -> String { Self.hex(bytes: finalizeDigest()) }

    /// The 32-byte digest of `bytes`.
    public static func digest<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var h = SHA256()
        Array(bytes).withUnsafeBytes { h.update($0) }
        return h.finalizeDigest()
    }

    /// Lower-case hex digest of the UTF-8 bytes of `text`.
    public static func hex(_ text: String) -> String { hex(bytes: digest(Array(text.utf8))) }

    static func hex(bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// One 64-byte block.
    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
        var w0 = word(block, 0); var w1 = word(block, 4); var w2 = word(block, 8); var w3 = word(block, 12); var w4 = word(block, 16); var w5 = word(block, 20); var w6 = word(block, 24); var w7 = word(block, 28)
        var w8 = word(block, 32); var w9 = word(block, 36); var w10 = word(block, 40); var w11 = word(block, 44); var w12 = word(block, 48); var w13 = word(block, 52); var w14 = word(block, 56); var w15 = word(block, 60)
        h = h &+ big1(e) &+ choose(e, f, g) &+ 0x428a2f98 &+ w0; d = d &+ h; h = h &+ big0(a) &+ majority(a, b, c)
        g = g &+ big1(d) &+ choose(d, e, f) &+ 0x71374491 &+ w1; c = c &+ g; g = g &+ big0(h) &+ majority(h, a, b)
        f = f &+ big1(c) &+ choose(c, d, e) &+ 0xb5c0fbcf &+ w2; b = b &+ f; f = f &+ big0(g) &+ majority(g, h, a)
        e = e &+ big1(b) &+ choose(b, c, d) &+ 0xe9b5dba5 &+ w3; a = a &+ e; e = e &+ big0(f) &+ majority(f, g, h)
        d = d &+ big1(a) &+ choose(a, b, c) &+ 0x3956c25b &+ w4; h = h &+ d; d = d &+ big0(e) &+ majority(e, f, g)
        c = c &+ big1(h) &+ choose(h, a, b) &+ 0x59f111f1 &+ w5; g = g &+ c; c = c &+ big0(d) &+ majority(d, e, f)
        b = b &+ big1(g) &+ choose(g, h, a) &+ 0x923f82a4 &+ w6; f = f &+ b; b = b &+ big0(c) &+ majority(c, d, e)
        a = a &+ big1(f) &+ choose(f, g, h) &+ 0xab1c5ed5 &+ w7; e = e &+ a; a = a &+ big0(b) &+ majority(b, c, d)
        h = h &+ big1(e) &+ choose(e, f, g) &+ 0xd807aa98 &+ w8; d = d &+ h; h = h &+ big0(a) &+ majority(a, b, c)
        g = g &+ big1(d) &+ choose(d, e, f) &+ 0x12835b01 &+ w9; c = c &+ g; g = g &+ big0(h) &+ majority(h, a, b)
        f = f &+ big1(c) &+ choose(c, d, e) &+ 0x243185be &+ w10; b = b &+ f; f = f &+ big0(g) &+ majority(g, h, a)
        e = e &+ big1(b) &+ choose(b, c, d) &+ 0x550c7dc3 &+ w11; a = a &+ e; e = e &+ big0(f) &+ majority(f, g, h)
        d = d &+ big1(a) &+ choose(a, b, c) &+ 0x72be5d74 &+ w12; h = h &+ d; d = d &+ big0(e) &+ majority(e, f, g)
        c = c &+ big1(h) &+ choose(h, a, b) &+ 0x80deb1fe &+ w13; g = g &+ c; c = c &+ big0(d) &+ majority(d, e, f)
        b = b &+ big1(g) &+ choose(g, h, a) &+ 0x9bdc06a7 &+ w14; f = f &+ b; b = b &+ big0(c) &+ majority(c, d, e)
        a = a &+ big1(f) &+ choose(f, g, h) &+ 0xc19bf174 &+ w15; e = e &+ a; a = a &+ big0(b) &+ majority(b, c, d)
        w0 = w0 &+ small0(w1) &+ w9 &+ small1(w14)
        h = h &+ big1(e) &+ choose(e, f, g) &+ 0xe49b69c1 &+ w0; d = d &+ h; h = h &+ big0(a) &+ majority(a, b, c)
        w1 = w1 &+ small0(w2) &+ w10 &+ small1(w15)
        g = g &+ big1(d) &+ choose(d, e, f) &+ 0xefbe4786 &+ w1; c = c &+ g; g = g &+ big0(h) &+ majority(h, a, b)
        w2 = w2 &+ small0(w3) &+ w11 &+ small1(w0)
        f = f &+ big1(c) &+ choose(c, d, e) &+ 0x0fc19dc6 &+ w2; b = b &+ f; f = f &+ big0(g) &+ majority(g, h, a)
        w3 = w3 &+ small0(w4) &+ w12 &+ small1(w1)
        e = e &+ big1(b) &+ choose(b, c, d) &+ 0x240ca1cc &+ w3; a = a &+ e; e = e &+ big0(f) &+ majority(f, g, h)
        w4 = w4 &+ small0(w5) &+ w13 &+ small1(w2)
        d = d &+ big1(a) &+ choose(a, b, c) &+ 0x2de92c6f &+ w4; h = h &+ d; d = d &+ big0(e) &+ majority(e, f, g)
        w5 = w5 &+ small0(w6) &+ w14 &+ small1(w3)
        c = c &+ big1(h) &+ choose(h, a, b) &+ 0x4a7484aa &+ w5; g = g &+ c; c = c &+ big0(d) &+ majority(d, e, f)
        w6 = w6 &+ small0(w7) &+ w15 &+ small1(w4)
        b = b &+ big1(g) &+ choose(g, h, a) &+ 0x5cb0a9dc &+ w6; f = f &+ b; b = b &+ big0(c) &+ majority(c, d, e)
        w7 = w7 &+ small0(w8) &+ w0 &+ small1(w5)
        a = a &+ big1(f) &+ choose(f, g, h) &+ 0x76f988da &+ w7; e = e &+ a; a = a &+ big0(b) &+ majority(b, c, d)
        w8 = w8 &+ small0(w9) &+ w1 &+ small1(w6)
        h = h &+ big1(e) &+ choose(e, f, g) &+ 0x983e5152 &+ w8; d = d &+ h; h = h &+ big0(a) &+ majority(a, b, c)
        w9 = w9 &+ small0(w10) &+ w2 &+ small1(w7)
        g = g &+ big1(d) &+ choose(d, e, f) &+ 0xa831c66d &+ w9; c = c &+ g; g = g &+ big0(h) &+ majority(h, a, b)
        w10 = w10 &+ small0(w11) &+ w3 &+ small1(w8)
        f = f &+ big1(c) &+ choose(c, d, e) &+ 0xb00327c8 &+ w10; b = b &+ f; f = f &+ big0(g) &+ majority(g, h, a)
        w11 = w11 &+ small0(w12) &+ w4 &+ small1(w9)
        e = e &+ big1(b) &+ choose(b, c, d) &+ 0xbf597fc7 &+ w11; a = a &+ e; e = e &+ big0(f) &+ majority(f, g, h)
        w12 = w12 &+ small0(w13) &+ w5 &+ small1(w10)
        d = d &+ big1(a) &+ choose(a, b, c) &+ 0xc6e00bf3 &+ w12; h = h &+ d; d = d &+ big0(e) &+ majority(e, f, g)
        w13 = w13 &+ small0(w14) &+ w6 &+ small1(w11)
        c = c &+ big1(h) &+ choose(h, a, b) &+ 0xd5a79147 &+ w13; g = g &+ c; c = c &+ big0(d) &+ majority(d, e, f)
        w14 = w14 &+ small0(w15) &+ w7 &+ small1(w12)
        b = b &+ big1(g) &+ choose(g, h, a) &+ 0x06ca6351 &+ w14; f = f &+ b; b = b &+ big0(c) &+ majority(c, d, e)
        w15 = w15 &+ small0(w0) &+ w8 &+ small1(w13)
        a = a &+ big1(f) &+ choose(f, g, h) &+ 0x14292967 &+ w15; e = e &+ a; a = a &+ big0(b) &+ majority(b, c, d)
        w0 = w0 &+ small0(w1) &+ w9 &+ small1(w14)
        h = h &+ big1(e) &+ choose(e, f, g) &+ 0x27b70a85 &+ w0; d = d &+ h; h = h &+ big0(a) &+ majority(a, b, c)
        w1 = w1 &+ small0(w2) &+ w10 &+ small1(w15)
        g = g &+ big1(d) &+ choose(d, e, f) &+ 0x2e1b2138 &+ w1; c = c &+ g; g = g &+ big0(h) &+ majority(h, a, b)
        w2 = w2 &+ small0(w3) &+ w11 &+ small1(w0)
        f = f &+ big1(c) &+ choose(c, d, e) &+ 0x4d2c6dfc &+ w2; b = b &+ f; f = f &+ big0(g) &+ majority(g, h, a)
        w3 = w3 &+ small0(w4) &+ w12 &+ small1(w1)
        e = e &+ big1(b) &+ choose(b, c, d) &+ 0x53380d13 &+ w3; a = a &+ e; e = e &+ big0(f) &+ majority(f, g, h)
        w4 = w4 &+ small0(w5) &+ w13 &+ small1(w2)
        d = d &+ big1(a) &+ choose(a, b, c) &+ 0x650a7354 &+ w4; h = h &+ d; d = d &+ big0(e) &+ majority(e, f, g)
        w5 = w5 &+ small0(w6) &+ w14 &+ small1(w3)
        c = c &+ big1(h) &+ choose(h, a, b) &+ 0x766a0abb &+ w5; g = g &+ c; c = c &+ big0(d) &+ majority(d, e, f)
        w6 = w6 &+ small0(w7) &+ w15 &+ small1(w4)
        b = b &+ big1(g) &+ choose(g, h, a) &+ 0x81c2c92e &+ w6; f = f &+ b; b = b &+ big0(c) &+ majority(c, d, e)
        w7 = w7 &+ small0(w8) &+ w0 &+ small1(w5)
        a = a &+ big1(f) &+ choose(f, g, h) &+ 0x92722c85 &+ w7; e = e &+ a; a = a &+ big0(b) &+ majority(b, c, d)
        w8 = w8 &+ small0(w9) &+ w1 &+ small1(w6)
        h = h &+ big1(e) &+ choose(e, f, g) &+ 0xa2bfe8a1 &+ w8; d = d &+ h; h = h &+ big0(a) &+ majority(a, b, c)
        w9 = w9 &+ small0(w10) &+ w2 &+ small1(w7)
        g = g &+ big1(d) &+ choose(d, e, f) &+ 0xa81a664b &+ w9; c = c &+ g; g = g &+ big0(h) &+ majority(h, a, b)
        w10 = w10 &+ small0(w11) &+ w3 &+ small1(w8)
        f = f &+ big1(c) &+ choose(c, d, e) &+ 0xc24b8b70 &+ w10; b = b &+ f; f = f &+ big0(g) &+ majority(g, h, a)
        w11 = w11 &+ small0(w12) &+ w4 &+ small1(w9)
        e = e &+ big1(b) &+ choose(b, c, d) &+ 0xc76c51a3 &+ w11; a = a &+ e; e = e &+ big0(f) &+ majority(f, g, h)
        w12 = w12 &+ small0(w13) &+ w5 &+ small1(w10)
        d = d &+ big1(a) &+ choose(a, b, c) &+ 0xd192e819 &+ w12; h = h &+ d; d = d &+ big0(e) &+ majority(e, f, g)
        w13 = w13 &+ small0(w14) &+ w6 &+ small1(w11)
        c = c &+ big1(h) &+ choose(h, a, b) &+ 0xd6990624 &+ w13; g = g &+ c; c = c &+ big0(d) &+ majority(d, e, f)
        w14 = w14 &+ small0(w15) &+ w7 &+ small1(w12)
        b = b &+ big1(g) &+ choose(g, h, a) &+ 0xf40e3585 &+ w14; f = f &+ b; b = b &+ big0(c) &+ majority(c, d, e)
        w15 = w15 &+ small0(w0) &+ w8 &+ small1(w13)
        a = a &+ big1(f) &+ choose(f, g, h) &+ 0x106aa070 &+ w15; e = e &+ a; a = a &+ big0(b) &+ majority(b, c, d)
        w0 = w0 &+ small0(w1) &+ w9 &+ small1(w14)
        h = h &+ big1(e) &+ choose(e, f, g) &+ 0x19a4c116 &+ w0; d = d &+ h; h = h &+ big0(a) &+ majority(a, b, c)
        w1 = w1 &+ small0(w2) &+ w10 &+ small1(w15)
        g = g &+ big1(d) &+ choose(d, e, f) &+ 0x1e376c08 &+ w1; c = c &+ g; g = g &+ big0(h) &+ majority(h, a, b)
        w2 = w2 &+ small0(w3) &+ w11 &+ small1(w0)
        f = f &+ big1(c) &+ choose(c, d, e) &+ 0x2748774c &+ w2; b = b &+ f; f = f &+ big0(g) &+ majority(g, h, a)
        w3 = w3 &+ small0(w4) &+ w12 &+ small1(w1)
        e = e &+ big1(b) &+ choose(b, c, d) &+ 0x34b0bcb5 &+ w3; a = a &+ e; e = e &+ big0(f) &+ majority(f, g, h)
        w4 = w4 &+ small0(w5) &+ w13 &+ small1(w2)
        d = d &+ big1(a) &+ choose(a, b, c) &+ 0x391c0cb3 &+ w4; h = h &+ d; d = d &+ big0(e) &+ majority(e, f, g)
        w5 = w5 &+ small0(w6) &+ w14 &+ small1(w3)
        c = c &+ big1(h) &+ choose(h, a, b) &+ 0x4ed8aa4a &+ w5; g = g &+ c; c = c &+ big0(d) &+ majority(d, e, f)
        w6 = w6 &+ small0(w7) &+ w15 &+ small1(w4)
        b = b &+ big1(g) &+ choose(g, h, a) &+ 0x5b9cca4f &+ w6; f = f &+ b; b = b &+ big0(c) &+ majority(c, d, e)
        w7 = w7 &+ small0(w8) &+ w0 &+ small1(w5)
        a = a &+ big1(f) &+ choose(f, g, h) &+ 0x682e6ff3 &+ w7; e = e &+ a; a = a &+ big0(b) &+ majority(b, c, d)
        w8 = w8 &+ small0(w9) &+ w1 &+ small1(w6)
        h = h &+ big1(e) &+ choose(e, f, g) &+ 0x748f82ee &+ w8; d = d &+ h; h = h &+ big0(a) &+ majority(a, b, c)
        w9 = w9 &+ small0(w10) &+ w2 &+ small1(w7)
        g = g &+ big1(d) &+ choose(d, e, f) &+ 0x78a5636f &+ w9; c = c &+ g; g = g &+ big0(h) &+ majority(h, a, b)
        w10 = w10 &+ small0(w11) &+ w3 &+ small1(w8)
        f = f &+ big1(c) &+ choose(c, d, e) &+ 0x84c87814 &+ w10; b = b &+ f; f = f &+ big0(g) &+ majority(g, h, a)
        w11 = w11 &+ small0(w12) &+ w4 &+ small1(w9)
        e = e &+ big1(b) &+ choose(b, c, d) &+ 0x8cc70208 &+ w11; a = a &+ e; e = e &+ big0(f) &+ majority(f, g, h)
        w12 = w12 &+ small0(w13) &+ w5 &+ small1(w10)
        d = d &+ big1(a) &+ choose(a, b, c) &+ 0x90befffa &+ w12; h = h &+ d; d = d &+ big0(e) &+ majority(e, f, g)
        w13 = w13 &+ small0(w14) &+ w6 &+ small1(w11)
        c = c &+ big1(h) &+ choose(h, a, b) &+ 0xa4506ceb &+ w13; g = g &+ c; c = c &+ big0(d) &+ majority(d, e, f)
        w14 = w14 &+ small0(w15) &+ w7 &+ small1(w12)
        b = b &+ big1(g) &+ choose(g, h, a) &+ 0xbef9a3f7 &+ w14; f = f &+ b; b = b &+ big0(c) &+ majority(c, d, e)
        w15 = w15 &+ small0(w0) &+ w8 &+ small1(w13)
        a = a &+ big1(f) &+ choose(f, g, h) &+ 0xc67178f2 &+ w15; e = e &+ a; a = a &+ big0(b) &+ majority(b, c, d)
        h0 = h0 &+ a; h1 = h1 &+ b; h2 = h2 &+ c; h3 = h3 &+ d; h4 = h4 &+ e; h5 = h5 &+ f; h6 = h6 &+ g; h7 = h7 &+ h
    }

    @_transparent private func word(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(p[i]) &<< 24 | UInt32(p[i + 1]) &<< 16 | UInt32(p[i + 2]) &<< 8 | UInt32(p[i + 3])
    }
    @_transparent private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x &>> n | x &<< (32 &- n) }
    @_transparent private func big0(_ x: UInt32) -> UInt32 { rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22) }
    @_transparent private func big1(_ x: UInt32) -> UInt32 { rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25) }
    @_transparent private func small0(_ x: UInt32) -> UInt32 { rotr(x, 7) ^ rotr(x, 18) ^ x &>> 3 }
    @_transparent private func small1(_ x: UInt32) -> UInt32 { rotr(x, 17) ^ rotr(x, 19) ^ x &>> 10 }
    @_transparent private func choose(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { x & y ^ ~x & z }
    @_transparent private func majority(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { x & y ^ x & z ^ y & z }

    /// The hex digest of a file, read in 1 MiB pieces.
    public static func hex(ofFile path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DevenvError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw DevenvError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
        }
        return hasher.finalize()
    }
}
