import Foundation
import DevenvPlatform

/// Reading devenv's own state files and making its folders, with errors a person can act on.
///
/// Invariants:
/// - `read` returns nil only when the file does not exist. A file that exists but cannot be
///   read (permissions, a folder in its place, an I/O error) is an error naming the file, the
///   reason and the fix — never "no file", so state devenv cannot read is never regenerated.
/// - `makeFolder` creates missing folders 0700 (they hold secrets) and says which folder could
///   not be made and how to fix it, never a raw Foundation error.
public enum StateFile {
    /// The file's bytes; nil when there is no file at `path`.
    public static func read(_ path: String, what: String) throws -> Data? {
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT { return nil }
            throw unreadable(path, what: what, reason: String(cString: strerror(errno)))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw DevenvError("cannot read \(what) \(path): it is a folder, not a file; devenv changed nothing",
                              hint: "Move the folder aside (`mv \(path) \(path).bak`); if the file is in it, put the file back in its place. Then run the command again.")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw unreadable(path, what: what, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard let data = readAll(fd) else { throw unreadable(path, what: what, reason: String(cString: strerror(errno))) }
        return data
    }

    /// Everything readable from `fd`, or nil on a read error (errno set).
    package static func readAll(_ fd: Int32) -> Data? {
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buf.withUnsafeMutableBytes { Posix.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return data }
            data.append(contentsOf: buf[0..<n])
        }
    }

    /// Creates `dir` and its missing parents with `mode`; an existing folder is left as it is.
    public static func makeFolder(_ dir: String, mode: mode_t = 0o700) throws {
        var st = stat()
        if stat(dir, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw DevenvError("cannot use \(dir) as a folder: a file of that name is in the way",
                              hint: "Move the file aside (mv \(dir) \(dir).bak), then run the command again.")
        }
        let parent = (dir as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != dir { try makeFolder(parent, mode: mode) }
        if mkdir(dir, mode) != 0 && errno != EEXIST {
            throw folderError(dir, reason: String(cString: strerror(errno)))
        }
        _ = chmod(dir, mode) // mkdir applies the umask
    }

    /// Creates `dir` if needed, and makes it private (0700) when devenv owns it: its state
    /// folders hold passwords (compose files, credentials, records).
    public static func makePrivateFolder(_ dir: String) throws {
        try makeFolder(dir, mode: 0o700)
        var st = stat()
        if stat(dir, &st) == 0, st.st_mode & 0o077 != 0, st.st_uid == geteuid() { _ = chmod(dir, st.st_mode & 0o700) }
    }

    package static func unreadable(_ path: String, what: String, reason: String) -> DevenvError {
        DevenvError("cannot read \(what) \(path): \(reason); devenv changed nothing",
                    hint: "Make it readable again (`ls -l \(path)`; `sudo chown $(id -un) \(path)` if another user owns it), then run the command again.")
    }

    package static func folderError(_ dir: String, reason: String) -> DevenvError {
        DevenvError("cannot create the folder \(dir): \(reason)",
                    hint: "Make its parent writable for you (`ls -ld \((dir as NSString).deletingLastPathComponent)`; `sudo chown $(id -un) FOLDER`), "
                        + "or, for devenv's own state, point DEVENV_HOME at a folder you own.")
    }
}
