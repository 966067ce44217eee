/// What devenv asks of the operating system, answered by `LinuxPlatform` (procfs, netlink)
/// and `MacOSPlatform` (libproc, `lsof`). `HostPlatform.current` is this machine's.
/// Parsing and decisions live beside this protocol as pure functions (``ProcNetTCP``,
/// ``LsofListeners``, ``ProcessStart``), so both systems' rules are unit-tested everywhere.
public protocol Platform: Sendable {
    /// `linux` or `macos`.
    var name: String { get }
    /// TCP sockets in LISTEN state (all of them, or those on `port`) and who holds each,
    /// ordered by port, IPv4 before IPv6.
    func listeners(port: Int?) -> [Listener]
    /// What the kernel says of `pid`: nil when no process has it.
    func processStart(_ pid: Int32) -> ProcessStart?
    /// The user id `pid` runs as: nil when no process has it (Linux: the owner of
    /// `/proc/<pid>`; macOS: `proc_bsdinfo.pbi_uid`).
    func processOwner(_ pid: Int32) -> UInt32?
    /// The longest path a unix socket can be bound at, in bytes without the closing NUL
    /// (`sun_path` is 108 bytes on Linux, 104 on macOS).
    var socketPathLimit: Int { get }
    /// Makes a write to a closed pipe or socket fail with EPIPE instead of ending devenv.
    /// Called first thing by the executable.
    func ignoreBrokenPipe()
    /// Whether two names that differ only in case are two files in `directory` (false on
    /// macOS's default APFS, true on Linux's file systems).
    func isCaseSensitive(_ directory: String) -> Bool
}

/// A process as the kernel knows it: when it started, and whether it has ended and only
/// waits to be reaped.
public struct ProcessStart: Sendable, Equatable {
    /// When the process started, in the platform's unit (Linux: clock ticks since boot;
    /// macOS: microseconds since 1970). Only ever compared with a value read on the same
    /// machine, to tell a reused pid from the process that had it; nil where unknown.
    public var time: UInt64?
    /// The process has ended (a zombie): it holds nothing and counts as gone.
    public var isZombie: Bool

    public init(time: UInt64?, isZombie: Bool) { self.time = time; self.isZombie = isZombie }

    /// Linux: `/proc/<pid>/stat`. After `pid (comm)`, the state is field 3 (`Z`: zombie)
    /// and the start time field 22, in clock ticks since boot. `comm` may hold spaces and
    /// parentheses, so fields are counted from the last `)`.
    public static func linux(stat text: String) -> ProcessStart? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard let state = fields.first else { return nil }
        return ProcessStart(time: fields.count > 19 ? UInt64(fields[19]) : nil, isZombie: state.hasPrefix("Z"))
    }

    /// `SZOMB` in `pbi_status` (sys/proc.h).
    public static let darwinZombieStatus: UInt32 = 5

    /// macOS: `proc_pidinfo(PROC_PIDTBSDINFO)`'s `pbi_start_tvsec`, `pbi_start_tvusec` and
    /// `pbi_status`.
    public static func darwin(startSeconds: UInt64, startMicroseconds: UInt64, status: UInt32) -> ProcessStart {
        ProcessStart(time: startSeconds &* 1_000_000 &+ startMicroseconds, isZombie: status == darwinZombieStatus)
    }
}
