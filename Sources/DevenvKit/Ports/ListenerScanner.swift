import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Finds who listens on which TCP port.
///
/// Linux: reads the LISTEN rows of `/proc/net/tcp` and `/proc/net/tcp6` (through sock_diag
/// netlink, which yields the same rows far cheaper, when `procRoot` is `/proc`), collects the wanted
/// socket inodes, then walks `/proc/<pid>/fd/*` with `readlinkat` only, ascending by pid, and
/// stops once every inode has an owner. Only the owners' `cmdline` files are read and each uid
/// is looked up once. No process is spawned. The result is what the current network namespace
/// sees; sockets of processes this user cannot inspect keep a holder with uid and user only.
///
/// macOS: runs `lsof` (see ``LsofListeners``); `procRoot` is ignored there.
public enum ListenerScanner {
    /// Every TCP listener on the machine (LISTEN state), ordered by port, IPv4 before IPv6.
    ///
    /// Linux: from `<procRoot>/net/tcp` and `<procRoot>/net/tcp6`; socket inode → pid by the
    /// `<procRoot>/<pid>/fd/*` links (`socket:[INODE]`); command line from
    /// `<procRoot>/<pid>/cmdline` (NULs → spaces, cut at ``PortHolder/maxCommandLength``);
    /// user from the socket's uid column (`getpwuid_r`). An unreadable table yields no rows.
    public static func scan(procRoot: String = "/proc") -> [Listener] {
        collect(port: nil, procRoot: procRoot)
    }

    /// The listeners on one port (possibly several: IPv4 and IPv6, or `SO_REUSEPORT`). Only
    /// the inodes of that port are resolved to pids, so this is cheaper than `scan()`.
    public static func listeners(on port: Int, procRoot: String = "/proc") -> [Listener] {
        guard (1...65535).contains(port) else { return [] }
        return collect(port: port, procRoot: procRoot)
    }

    static func collect(port: Int?, procRoot: String) -> [Listener] {
        #if canImport(Darwin)
        return lsof(port: port)
        #else
        return proc(port: port, procRoot: procRoot)
        #endif
    }

    /// The `/proc` path, usable on any system given a procfs-shaped tree.
    static func proc(port: Int?, procRoot: String) -> [Listener] {
        let entries = listenerEntries(port: port, procRoot: procRoot)
        guard !entries.isEmpty else { return [] }

        let owners = ProcFS.owners(of: Set(entries.map(\.inode)), procRoot: procRoot)
        var commands: [Int32: String?] = [:]
        var users: [UInt32: String?] = [:]
        var listeners: [Listener] = []
        listeners.reserveCapacity(entries.count)
        for entry in entries {
            var holder = PortHolder(uid: entry.uid)
            if let cached = users[entry.uid] { holder.user = cached } else {
                let name = ProcFS.userName(uid: entry.uid)
                users[entry.uid] = name
                holder.user = name
            }
            if let pid = owners[entry.inode] {
                holder.pid = pid
                if let cached = commands[pid] { holder.command = cached } else {
                    let command = ProcFS.commandLine(pid: pid, procRoot: procRoot)
                    commands[pid] = command
                    holder.command = command
                }
            }
            listeners.append(Listener(port: entry.port, address: entry.address, inode: entry.inode, holder: holder))
        }
        return sortedByKey(listeners)
    }

    /// `listeners` in `Listener.sortKey` order, sorting indices on precomputed keys (no
    /// struct moves or string compares unless port and family tie).
    static func sortedByKey(_ listeners: [Listener]) -> [Listener] {
        let v6 = listeners.map(\.isIPv6)
        var order = Array(listeners.indices)
        listeners.withUnsafeBufferPointer { l in
            order.sort { i, j in
                if l[i].port != l[j].port { return l[i].port < l[j].port }
                if v6[i] != v6[j] { return !v6[i] }
                if l[i].address != l[j].address { return l[i].address < l[j].address }
                return l[i].inode < l[j].inode
            }
        }
        return order.map { listeners[$0] }
    }

    /// The LISTEN rows: from sock_diag netlink when `procRoot` is the real `/proc` (same rows,
    /// ten times cheaper with thousands of sockets), else — or when netlink is unavailable —
    /// from `<procRoot>/net/tcp` and `<procRoot>/net/tcp6`.
    static func listenerEntries(port: Int?, procRoot: String) -> [ProcNetTCPEntry] {
        #if os(Linux)
        if procRoot == "/proc", let rows = NetlinkDiag.listeners(port: port) { return rows }
        #endif
        return procNetEntries(port: port, procRoot: procRoot)
    }

    /// The LISTEN rows of `<procRoot>/net/tcp` and `<procRoot>/net/tcp6`, read with plain POSIX reads.
    static func procNetEntries(port: Int?, procRoot: String) -> [ProcNetTCPEntry] {
        var entries: [ProcNetTCPEntry] = []
        for table in ["net/tcp", "net/tcp6"] {
            guard let bytes = ProcFS.readFile("\(procRoot)/\(table)") else { continue }
            bytes.withUnsafeBufferPointer { entries += ProcNetTCP.listeners(in: $0, port: port) }
        }
        return entries
    }

    #if canImport(Darwin)
    /// Runs `lsof` and parses its field output; lsof exits 1 when nothing matches, which is
    /// not an error here.
    static func lsof(port: Int?) -> [Listener] {
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
        return LsofListeners.parse(String(decoding: data, as: UTF8.self))
    }
    #endif
}
