#if os(macOS)
import DevenvPlatform
import Foundation

/// macOS: listeners from `lsof -F` (parsed by ``LsofListeners``); process identity from
/// `proc_pidinfo(PROC_PIDTBSDINFO)` (decided by ``ProcessStart/darwin(startSeconds:startMicroseconds:status:)``).
public struct MacOSHost: Platform {
    public init() {}

    public var name: String { "macos" }

    /// Runs `lsof` and parses its field output; lsof exits 1 when nothing matches, which is
    /// not an error here.
    public func listeners(port: Int?) -> [Listener] {
        if let port, !(1...65535).contains(port) { return [] }
        let argv = LsofListeners.arguments(port: port)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/lsof")
        process.arguments = Array(argv.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ListenerScanner.sortedByKey(LsofListeners.parse(String(decoding: data, as: UTF8.self)))
    }

    public func processStart(_ pid: Int32) -> ProcessStart? {
        guard pid > 0 else { return nil }
        var info = proc_bsdinfo()
        let size = Int32(MemoryLayout<proc_bsdinfo>.size)
        guard proc_pidinfo(pid, PROC_PIDTBSDINFO, 0, &info, size) == size else { return nil }
        return ProcessStart.darwin(startSeconds: UInt64(info.pbi_start_tvsec), startMicroseconds: UInt64(info.pbi_start_tvusec),
                                   status: UInt32(info.pbi_status))
    }

    public func processOwner(_ pid: Int32) -> UInt32? {
        guard pid > 0 else { return nil }
        var info = proc_bsdinfo()
        let size = Int32(MemoryLayout<proc_bsdinfo>.size)
        guard proc_pidinfo(pid, PROC_PIDTBSDINFO, 0, &info, size) == size else { return nil }
        return UInt32(info.pbi_uid)
    }

    /// `sun_path` is 104 bytes.
    public var socketPathLimit: Int { 103 }

    public func ignoreBrokenPipe() { signal(SIGPIPE, SIG_IGN) }

    /// APFS and HFS+ are case-insensitive unless formatted otherwise: `pathconf` says which,
    /// and the disk is asked directly when it cannot.
    public func isCaseSensitive(_ directory: String) -> Bool {
        switch pathconf(directory, _PC_CASE_SENSITIVE) {
        case 1: return true
        case 0: return false
        default: return CaseProbe.isCaseSensitive(directory)
        }
    }
}
#endif
