#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Darwin)
@_exported import Darwin
#endif

/// The C library, for every target above this one, and the few POSIX calls whose Swift
/// spelling differs between Glibc and Darwin, spelled once here. Code elsewhere imports
/// `DevenvPlatform` and never Glibc or Darwin itself.
public enum Posix {
    /// `SOCK_STREAM` as `socket(2)` takes it (an enum on Glibc, an Int32 on Darwin).
    public static var streamSocket: Int32 {
        #if canImport(Glibc)
        Int32(SOCK_STREAM.rawValue)
        #else
        SOCK_STREAM
        #endif
    }

    /// `SOCK_DGRAM` as `socket(2)` takes it.
    public static var datagramSocket: Int32 {
        #if canImport(Glibc)
        Int32(SOCK_DGRAM.rawValue)
        #else
        SOCK_DGRAM
        #endif
    }

    /// `send(2)` that never raises SIGPIPE: `MSG_NOSIGNAL` on Linux; Darwin has no such
    /// flag, and devenv ignores SIGPIPE from its first instruction (``Platform/ignoreBrokenPipe()``).
    public static func send(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.send(fd, buffer, count, Int32(MSG_NOSIGNAL))
        #else
        Darwin.send(fd, buffer, count, 0)
        #endif
    }

    /// `write(2)`, for callers whose own type has a `write` member.
    public static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #else
        Darwin.write(fd, buffer, count)
        #endif
    }

    /// `read(2)`, for callers whose own type has a `read` member.
    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
        #else
        Darwin.read(fd, buffer, count)
        #endif
    }

    /// `open(2)` without a mode, for callers whose own type has an `open` member.
    public static func open(_ path: String, _ flags: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.open(path, flags)
        #else
        Darwin.open(path, flags)
        #endif
    }

    /// `open(2)` with a mode, for callers whose own type has an `open` member.
    public static func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.open(path, flags, mode)
        #else
        Darwin.open(path, flags, mode)
        #endif
    }

    /// `close(2)`, for callers whose own type has a `close` member.
    @discardableResult
    public static func close(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.close(fd)
        #else
        Darwin.close(fd)
        #endif
    }

    /// `connect(2)`, for callers whose own type has a `connect` member.
    public static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.connect(fd, address, length)
        #else
        Darwin.connect(fd, address, length)
        #endif
    }

    /// A directory stream: `DIR *` is an `OpaquePointer` on Glibc and an
    /// `UnsafeMutablePointer<DIR>` on Darwin.
    #if canImport(Glibc)
    public typealias DirectoryStream = OpaquePointer
    #else
    public typealias DirectoryStream = UnsafeMutablePointer<DIR>
    #endif

    /// `posix_spawn`'s file actions and attributes: structs on Glibc, optional pointers on Darwin.
    #if canImport(Glibc)
    public typealias SpawnFileActions = posix_spawn_file_actions_t
    public typealias SpawnAttributes = posix_spawnattr_t
    public static func spawnFileActions() -> SpawnFileActions { posix_spawn_file_actions_t() }
    public static func spawnAttributes() -> SpawnAttributes { posix_spawnattr_t() }
    #else
    public typealias SpawnFileActions = posix_spawn_file_actions_t?
    public typealias SpawnAttributes = posix_spawnattr_t?
    public static func spawnFileActions() -> SpawnFileActions { nil }
    public static func spawnAttributes() -> SpawnAttributes { nil }
    #endif

    /// Makes the spawned child close every descriptor from `fd` up: glibc 2.34's
    /// `posix_spawn_file_actions_addclosefrom_np`, looked up at run time (as swift-subprocess
    /// does; without it descriptors rely on close-on-exec alone); Darwin's
    /// `POSIX_SPAWN_CLOEXEC_DEFAULT` flag.
    public static func closeFrom(_ actions: inout SpawnFileActions, _ fd: Int32, flags: inout Int32) {
        #if canImport(Glibc)
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(sym, to: AddCloseFrom.self)(&actions, fd)
        #else
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
    }

    /// A `stat`'s modification time in nanoseconds since 1970 (`st_mtim` on Glibc,
    /// `st_mtimespec` on Darwin).
    public static func modificationNanoseconds(_ st: stat) -> Int64 {
        #if canImport(Glibc)
        Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        #else
        Int64(st.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(st.st_mtimespec.tv_nsec)
        #endif
    }
}
