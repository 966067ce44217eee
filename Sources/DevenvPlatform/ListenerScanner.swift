import Foundation

/// Linux's way to find who listens on which TCP port, over any procfs-shaped tree.
///
/// Reads the LISTEN rows of `/proc/net/tcp` and `/proc/net/tcp6` (or takes them from
/// sock_diag netlink, which yields the same rows far cheaper: `LinuxPlatform` does that for
/// the real `/proc`), collects the wanted socket inodes, then walks `/proc/<pid>/fd/*` with
/// `readlinkat` only, ascending by pid, and stops once every inode has an owner. Only the
/// owners' `cmdline` files are read and each uid is looked up once. No process is spawned.
/// Sockets of processes this user cannot inspect keep a holder with uid and user only.
/// Plain POSIX calls: it runs (and is tested) on macOS over a recorded tree as well.
public enum ListenerScanner {
    /// Every TCP listener in `procRoot`'s tables (LISTEN state), ordered by port, IPv4 before IPv6.
    public static func scan(procRoot: String) -> [Listener] {
        proc(port: nil, procRoot: procRoot)
    }

    /// The listeners on one port (possibly several: IPv4 and IPv6, or `SO_REUSEPORT`). Only
    /// the inodes of that port are resolved to pids, so this is cheaper than `scan()`.
    public static func listeners(on port: Int, procRoot: String) -> [Listener] {
        guard (1...65535).contains(port) else { return [] }
        return proc(port: port, procRoot: procRoot)
    }

    /// The `/proc` path, usable on any system given a procfs-shaped tree. `rows`: the LISTEN
    /// rows when the caller has them already (netlink); else they are read from the tables.
    public static func proc(port: Int?, procRoot: String, rows: [ProcNetTCPEntry]? = nil) -> [Listener] {
        let entries = rows ?? procNetEntries(port: port, procRoot: procRoot)
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
    public static func sortedByKey(_ listeners: [Listener]) -> [Listener] {
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

    /// The LISTEN rows of `<procRoot>/net/tcp` and `<procRoot>/net/tcp6`, read with plain POSIX reads.
    public static func procNetEntries(port: Int?, procRoot: String) -> [ProcNetTCPEntry] {
        var entries: [ProcNetTCPEntry] = []
        for table in ["net/tcp", "net/tcp6"] {
            guard let bytes = ProcFS.readFile("\(procRoot)/\(table)") else { continue }
            bytes.withUnsafeBufferPointer { entries += ProcNetTCP.listeners(in: $0, port: port) }
        }
        return entries
    }
}
