/// Who holds a listening socket, as far as this process can see.
///
/// Every field is optional: on Linux the owning uid always comes from `/proc/net/tcp`, but the
/// pid and command line stay `nil` when the socket belongs to a process this user may not
/// inspect (another user's process when not root, another pid namespace). On macOS `lsof`
/// gives pid, command name and uid.
public struct PortHolder: Sendable, Equatable, Codable {
    /// The process that holds the socket. When several processes share one socket (a server
    /// that forked workers), the lowest pid — usually the parent — is reported.
    public var pid: Int32?
    /// The command line: arguments joined by single spaces, at most
    /// ``PortHolder/maxCommandLength`` characters (longer ones end in `…`). Falls back to the
    /// process name when the command line is empty (kernel threads, zombies).
    public var command: String?
    /// The login name of `uid`, when the user database knows it.
    public var user: String?
    /// The uid that owns the socket.
    public var uid: UInt32?

    /// Commands longer than this are cut (a Java class path can run to tens of kilobytes).
    public static let maxCommandLength = 1024

    public init(pid: Int32? = nil, command: String? = nil, user: String? = nil, uid: UInt32? = nil) {
        self.pid = pid; self.command = command; self.user = user; self.uid = uid
    }

    /// The program's file name: the first word of `command` without its directory
    /// (`/usr/bin/docker-proxy -proto tcp …` → `docker-proxy`).
    public var executableName: String? {
        guard var command else { return nil }
        return command.withUTF8 { b -> String? in   // one pass over the first word, no substrings
            var start = 0
            while start < b.count, b[start] == 0x20 { start += 1 }
            var end = start
            while end < b.count, b[end] != 0x20 { end += 1 }
            while end > start, b[end - 1] == 0x2F { end -= 1 }
            var name = start
            for i in start..<end where b[i] == 0x2F { name = i + 1 }
            guard name < end else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: b[name..<end]), as: UTF8.self)
        }
    }
}

/// One TCP socket in LISTEN state.
public struct Listener: Sendable, Equatable {
    /// The local port, 1–65535.
    public var port: Int
    /// The local address in its usual text form: `"127.0.0.1"`, `"0.0.0.0"`, `"::"`, `"::1"`,
    /// or `"::ffff:127.0.0.1"` for an IPv6 socket bound to an IPv4-mapped address.
    public var address: String
    /// The socket's inode number (Linux); 0 where the platform gives none (macOS).
    public var inode: UInt64
    /// Who holds it; `nil` only when nothing at all is known.
    public var holder: PortHolder?

    public init(port: Int, address: String, inode: UInt64, holder: PortHolder? = nil) {
        self.port = port; self.address = address; self.inode = inode; self.holder = holder
    }

    /// Whether the socket is bound to an IPv6 address (the text contains a colon).
    public var isIPv6: Bool { address.utf8.contains(UInt8(ascii: ":")) }

    /// Whether the socket accepts connections on every interface (`0.0.0.0` or `::`).
    public var isWildcard: Bool { address == "0.0.0.0" || address == "::" }

    /// Whether only this machine can reach it (`127.0.0.0/8`, `::1`, `::ffff:127.x.x.x`).
    public var isLoopback: Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }
}

extension Listener {
    /// The order `scan()` returns: by port, then IPv4 before IPv6, then address text, then inode.
    public static func sortKey(_ a: Listener, _ b: Listener) -> Bool {
        if a.port != b.port { return a.port < b.port }
        if a.isIPv6 != b.isIPv6 { return !a.isIPv6 }
        if a.address != b.address { return a.address < b.address }
        return a.inode < b.inode
    }
}
