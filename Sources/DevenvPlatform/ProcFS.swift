
/// Low-level, allocation-light readers for a Linux `/proc` tree. Everything here uses plain
/// POSIX calls (`open`/`read`, `openat`/`readdir`/`readlinkat`) and never spawns a process.
/// `procRoot` may point at a fake tree (tests build one with symlinks to `socket:[N]`).
public enum ProcFS {
    /// Reads a whole file (procfs files report size 0, so read until EOF), at most `limit` bytes.
    public static func readFile(_ path: String, limit: Int = 64 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: min(limit, 128 << 10))
        var used = 0
        while used < limit {
            if used == buf.count { buf.append(contentsOf: repeatElement(0, count: min(buf.count, limit - used))) }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + used, $0.count - used) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            used += n
        }
        buf.removeSubrange(used...)
        return buf
    }

    /// The pids under `procRoot`, ascending (only all-digit directory names).
    static func pids(dir: Posix.DirectoryStream) -> [Int32] {
        var pids: [Int32] = []
        while let ent = readdir(dir) {
            let type = ent.pointee.d_type
            guard type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN) else { continue }
            let pid: Int32? = withName(ent) { name in
                var v: Int32 = 0
                var i = 0
                while name[i] != 0 {
                    let c = UInt8(bitPattern: name[i])
                    guard c >= 0x30 && c <= 0x39, v < Int32.max / 10 - 9 else { return nil }
                    v = v * 10 + Int32(c - 0x30)
                    i += 1
                }
                return i > 0 ? v : nil
            }
            if let pid { pids.append(pid) }
        }
        pids.sort()
        return pids
    }

    /// Maps each wanted socket inode to the lowest pid that has it open, by reading the
    /// `/proc/<pid>/fd/*` links (`socket:[INODE]`). Pids are visited in ascending order and
    /// the walk stops as soon as every wanted inode is found. Processes this user may not
    /// inspect are skipped silently.
    public static func owners(of wanted: Set<UInt64>, procRoot: String) -> [UInt64: Int32] {
        var found: [UInt64: Int32] = [:]
        guard !wanted.isEmpty, let root = opendir(procRoot) else { return found }
        defer { closedir(root) }
        let rootFD = dirfd(root)
        var link = [CChar](repeating: 0, count: 64)
        for pid in pids(dir: root) {
            let fdDirFD = openat(rootFD, "\(pid)/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fdDirFD >= 0 else { continue }
            guard let fdDir = fdopendir(fdDirFD) else { close(fdDirFD); continue }
            defer { closedir(fdDir) }
            let dfd = dirfd(fdDir)
            while let ent = readdir(fdDir) {
                let type = ent.pointee.d_type
                guard type == UInt8(DT_LNK) || type == UInt8(DT_UNKNOWN) else { continue }
                let n = withName(ent) { name in
                    name[0] == 0x2E ? -1 : link.withUnsafeMutableBufferPointer { readlinkat(dfd, name, $0.baseAddress!, $0.count) }
                }
                guard n > 9, let inode = socketInode(link, n), wanted.contains(inode), found[inode] == nil else { continue }
                found[inode] = pid
                if found.count == wanted.count { return found }
            }
        }
        return found
    }

    /// Parses `socket:[12345]` in the first `count` bytes of `link`.
    public static func socketInode(_ link: [CChar], _ count: Int) -> UInt64? {
        let prefix: [UInt8] = Array("socket:[".utf8)
        guard count > prefix.count + 1, UInt8(bitPattern: link[count - 1]) == UInt8(ascii: "]") else { return nil }
        for i in 0..<prefix.count where UInt8(bitPattern: link[i]) != prefix[i] { return nil }
        var v: UInt64 = 0
        for i in prefix.count..<(count - 1) {
            let c = UInt8(bitPattern: link[i])
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v &* 10 &+ UInt64(c - 0x30)
        }
        return v
    }

    /// The command line of `pid`: arguments joined by spaces, cut to `maxLength` characters
    /// (ending in `…`); the process name from `comm` when the command line is empty.
    public static func commandLine(pid: Int32, procRoot: String, maxLength: Int = PortHolder.maxCommandLength) -> String? {
        if let raw = readFile("\(procRoot)/\(pid)/cmdline", limit: maxLength * 4 + 4), !raw.isEmpty {
            let text = commandLine(fromCmdline: raw, maxLength: maxLength)
            if !text.isEmpty { return text }
        }
        guard let comm = readFile("\(procRoot)/\(pid)/comm", limit: 256) else { return nil }
        let name = trimTrailingWhitespace(String(decoding: comm, as: UTF8.self))
        return name.isEmpty ? nil : name
    }

    /// Pure: `/proc/<pid>/cmdline` bytes (NUL-separated arguments) → one line of text.
    public static func commandLine(fromCmdline raw: [UInt8], maxLength: Int) -> String {
        let bytes = raw.map { $0 == 0 || $0 == 0x0A || $0 == 0x09 ? 0x20 : $0 }
        let text = trimTrailingWhitespace(String(decoding: bytes, as: UTF8.self))
        guard text.count > maxLength else { return text }
        return String(text.prefix(maxLength - 1)) + "…"
    }

    /// The login name for `uid`, or nil when the user database has none.
    public static func userName(uid: UInt32) -> String? {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buf = [CChar](repeating: 0, count: 4096)
        let rc = getpwuid_r(uid_t(uid), &pwd, &buf, buf.count, &result)
        guard rc == 0, result != nil, let name = pwd.pw_name else { return nil }
        return String(cString: name)
    }

    static func trimTrailingWhitespace(_ text: String) -> String {
        var s = Substring(text)
        while let last = s.last, last == " " || last == "\n" || last == "\t" { s.removeLast() }
        return String(s)
    }

    /// Calls `body` with the entry's NUL-terminated name.
    private static func withName<T>(_ ent: UnsafeMutablePointer<dirent>, _ body: (UnsafePointer<CChar>) -> T) -> T {
        withUnsafePointer(to: &ent.pointee.d_name) { tuple in
            tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) { body($0) }
        }
    }
}

