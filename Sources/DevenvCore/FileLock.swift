import Foundation
import DevenvPlatform

/// An advisory, exclusive lock on a file (`flock`). Held until `unlock()` or process exit,
/// so a crashed `devenv` never leaves a lock behind.
public final class FileLock {
    private var fd: Int32
    public let path: String

    private init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    /// Takes the lock, waiting for another holder. `onWait` is called once if the lock is busy.
    public static func acquire(_ path: String, onWait: (() -> Void)? = nil) throws -> FileLock {
        let dir = (path as NSString).deletingLastPathComponent
        try StateFile.makeFolder(dir)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw DevenvError("cannot open the lock file \(path): \(String(cString: strerror(errno)))",
                              hint: "Make \(dir) yours again (`sudo chown -R $(id -un) \(dir)`), or point DEVENV_HOME at a folder you own.")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            onWait?()
            while flock(fd, LOCK_EX) != 0 {
                if errno != EINTR { close(fd); throw DevenvError("cannot lock \(path): \(String(cString: strerror(errno)))") }
            }
        }
        return FileLock(fd: fd, path: path)
    }

    /// Takes the lock if nobody holds it; nil when it is busy (no waiting).
    public static func tryAcquire(_ path: String) throws -> FileLock? {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DevenvError("cannot open lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { close(fd); return nil }
        return FileLock(fd: fd, path: path)
    }

    /// Runs `body` holding the lock at `path`.
    public static func with<T>(_ path: String, onWait: (() -> Void)? = nil, _ body: () throws -> T) throws -> T {
        let lock = try acquire(path, onWait: onWait)
        defer { lock.unlock() }
        return try body()
    }

    /// The open descriptor (a child that inherits it keeps the lock held until it exits).
    public var descriptor: Int32 { fd }

    public func unlock() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { unlock() }
}
