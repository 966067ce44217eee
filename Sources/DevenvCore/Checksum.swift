import Crypto
import Foundation
import DevenvPlatform

/// SHA-256 hex digests (swift-crypto: BoringSSL on Linux, CryptoKit on macOS), for the seed
/// ledger's file checksums and the staging lock's salted digests.
public enum Checksum {
    public static func sha256(_ text: String) -> String { hex(SHA256.hash(data: Data(text.utf8))) }

    /// The digest of a file, streamed in 1 MiB pieces (a 200 MB seed is never held in memory).
    public static func sha256(ofFile path: String) throws -> String {
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
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
        }
        return hex(hasher.finalize())
    }

    package static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in digest { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
