import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files the way DESIGN requires: a temporary file beside the target, fsync, rename.
/// A reader never sees half a file, and a crash leaves either the old or the new content.
public enum AtomicFile {
    /// Writes `data` to `path` atomically. A new file gets `newFileMode`; an existing file
    /// keeps its mode.
    public static func write(_ data: Data, to path: String, newFileMode: mode_t = 0o600) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var mode = newFileMode
        var st = stat()
        if stat(path, &st) == 0 { mode = st.st_mode & 0o7777 }
        let tmp = "\(dir.isEmpty ? "." : dir)/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DevenvError("cannot write \(path): \(String(cString: strerror(errno)))") }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        _ = fchmod(fd, mode)
        try data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buf.count {
                let n = Glibc_write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    close(fd)
                    throw DevenvError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, path) == 0 else { throw DevenvError("cannot write \(path): \(String(cString: strerror(errno)))") }
        ok = true
    }

    public static func write(_ text: String, to path: String, newFileMode: mode_t = 0o600) throws {
        try write(Data(text.utf8), to: path, newFileMode: newFileMode)
    }
}

@inline(__always)
func Glibc_write(_ fd: Int32, _ buf: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buf, n)
    #else
    return Darwin.write(fd, buf, n)
    #endif
}
