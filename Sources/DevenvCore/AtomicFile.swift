import Foundation
import DevenvPlatform

/// Writes files the way DESIGN requires: a temporary file beside the target, fsync, rename.
/// A reader never sees half a file, and a crash leaves either the old or the new content.
///
/// Invariants: an existing file keeps its mode and (where the writer may set it) its owner; a
/// symbolic link stays a link and its target is written (the caller decides whether the
/// target may be written, see `EnvFile`); missing folders are created with `folderMode`.
public enum AtomicFile {
    /// Writes `data` to `path` atomically. A new file gets `newFileMode`; an existing file
    /// keeps its mode and owner. Missing parent folders get `folderMode` (0700: most of
    /// what devenv writes holds secrets; project files such as `api/.env` pass 0755).
    public static func write(_ data: Data, to path: String, newFileMode: mode_t = 0o600, folderMode: mode_t = 0o700) throws {
        let target = try resolvedTarget(path)
        let dir = (target as NSString).deletingLastPathComponent
        if !dir.isEmpty { try StateFile.makeFolder(dir, mode: folderMode) }
        var mode = newFileMode
        var st = stat()
        let exists = stat(target, &st) == 0
        if exists { mode = st.st_mode & 0o7777 }
        let tmp = "\(dir.isEmpty ? "." : dir)/.\((target as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(path, errno) }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        _ = fchmod(fd, mode)
        if exists, st.st_uid != geteuid() || st.st_gid != getegid() { _ = fchown(fd, st.st_uid, st.st_gid) }
        try data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buf.count {
                let n = Posix.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    let e = errno
                    close(fd)
                    throw failure(path, e)
                }
                offset += n
            }
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, target) == 0 else { throw failure(path, errno) }
        ok = true
    }

    /// The file a write to `path` changes: `path` itself, or the file its symbolic link
    /// (chain) points at. A dangling link is an error: there is no file to edit.
    public static func resolvedTarget(_ path: String) throws -> String {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return path }
        guard let real = realpath(path, nil) else {
            throw DevenvError("cannot write \(path): it is a symbolic link to a file that does not exist",
                              hint: "Create the file it points at (`ls -l \(path)`), or replace the link with a file.")
        }
        defer { free(real) }
        return String(cString: real)
    }

    package static func failure(_ path: String, _ code: Int32) -> DevenvError {
        let reason = String(cString: strerror(code))
        if code == EACCES || code == EPERM || code == EROFS {
            return DevenvError("cannot write \(path): \(reason)",
                               hint: "Make it (and its folder) writable for you (`ls -ld \((path as NSString).deletingLastPathComponent)`), "
                                   + "or, for devenv's own state, point DEVENV_HOME at a folder you own.")
        }
        if code == EISDIR || code == ENOTEMPTY || code == EEXIST {
            return DevenvError("cannot write \(path): a folder is in the place of the file",
                               hint: "Move the folder aside (`mv \(path) \(path).bak`), then run the command again: devenv writes the file anew.")
        }
        if code == ENOSPC || code == EDQUOT {
            return DevenvError("cannot write \(path): \(reason)",
                               hint: "Free space on the disk it is on (`df -h \((path as NSString).deletingLastPathComponent)`), then run the command again.")
        }
        return DevenvError("cannot write \(path): \(reason)",
                           hint: "Check the file and its folder (`ls -ld \(path) \((path as NSString).deletingLastPathComponent)`), then run the command again.")
    }

    public static func write(_ text: String, to path: String, newFileMode: mode_t = 0o600, folderMode: mode_t = 0o700) throws {
        try write(Data(text.utf8), to: path, newFileMode: newFileMode, folderMode: folderMode)
    }
}
