#if os(Linux)
import DevenvPlatform

/// Linux: listeners from sock_diag netlink (the text tables of `/proc/net` when netlink is
/// unavailable) with holders from `/proc/<pid>/fd`; process identity from `/proc/<pid>/stat`.
public struct LinuxHost: Platform {
    public init() {}

    public var name: String { "linux" }

    public func listeners(port: Int?) -> [Listener] {
        if let port, !(1...65535).contains(port) { return [] }
        return ListenerScanner.proc(port: port, procRoot: "/proc", rows: NetlinkSocket.listeners(port: port))
    }

    public func processStart(_ pid: Int32) -> ProcessStart? {
        guard pid > 0, let bytes = ProcFS.readFile("/proc/\(pid)/stat", limit: 4096) else { return nil }
        return ProcessStart.linux(stat: String(decoding: bytes, as: UTF8.self))
    }

    public func processOwner(_ pid: Int32) -> UInt32? {
        var st = stat()
        return pid > 0 && stat("/proc/\(pid)", &st) == 0 ? UInt32(st.st_uid) : nil
    }

    /// `sun_path` is 108 bytes.
    public var socketPathLimit: Int { 107 }

    public func ignoreBrokenPipe() { signal(SIGPIPE, SIG_IGN) }

    /// Linux's own file systems are case-sensitive, but a folder may sit on vfat, on an ext4
    /// directory with casefolding, or on a share: asked of the disk itself.
    public func isCaseSensitive(_ directory: String) -> Bool { CaseProbe.isCaseSensitive(directory) }
}
#endif
