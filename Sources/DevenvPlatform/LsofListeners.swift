/// macOS (and any system without `/proc`): TCP listeners from `lsof` field output.
///
/// `lsof -F` prints one field per line, each starting with its identifier: a process set
/// (`p` pid, `c` command name, `u` uid, `L` login) followed by file sets (`f` fd when
/// selected, `t` IPv4/IPv6, `n` address:port, `T` TCP info such as `TST=LISTEN`). When `f` is
/// not selected, a repeated file field starts the next file set.
public enum LsofListeners {
    /// The argv that lists TCP listeners, all of them or only those on `port`. `-n -P`: no
    /// name or port look-ups; `+c 0`: the full command name instead of its first 9 characters.
    public static func arguments(port: Int? = nil) -> [String] {
        ["lsof", "-nP", "+c", "0", port.map { "-iTCP:\($0)" } ?? "-iTCP", "-sTCP:LISTEN", "-F", "pcLnuTt"]
    }

    /// Parses `lsof -F pcLnuTt` output into listeners (inode 0: lsof gives none for sockets on
    /// macOS). File sets whose `T` says another state than LISTEN, and names without a port,
    /// are dropped. Accepts NL- or NUL-terminated fields (`-F0`).
    public static func parse(_ output: String) -> [Listener] {
        var listeners: [Listener] = []
        var holder = PortHolder()
        var file = FileSet()

        func flushFile() {
            defer { file = FileSet() }
            guard file.hasData, file.state == nil || file.state == "LISTEN",
                  let name = file.name, let (address, port) = splitName(name, type: file.type) else { return }
            listeners.append(Listener(port: port, address: address, inode: 0,
                                      holder: holder == PortHolder() ? nil : holder))
        }

        for raw in output.split(whereSeparator: { $0 == "\n" || $0 == "\0" }) {
            guard let id = raw.first else { continue }
            let value = String(raw.dropFirst())
            switch id {
            case "p":
                flushFile()
                holder = PortHolder(pid: Int32(value))
            case "c": holder.command = value
            case "u": holder.uid = UInt32(value)
            case "L": holder.user = value
            case "f":
                flushFile()
                file.hasData = true
            case "t":
                if file.type != nil { flushFile() }
                file.type = value; file.hasData = true
            case "n":
                if file.name != nil { flushFile() }
                file.name = value; file.hasData = true
            case "T":
                if value.hasPrefix("ST=") { file.state = String(value.dropFirst(3)) }
            default:
                break
            }
        }
        flushFile()
        return listeners.sorted(by: Listener.sortKey)
    }

    private struct FileSet {
        var hasData = false
        var type: String?
        var name: String?
        var state: String?
    }

    /// `127.0.0.1:5432` · `[::1]:5432` · `*:5432` (the wildcard of the set's `t` family) →
    /// (address, port). A listener's name has no `->` part; names with one are refused.
    static func splitName(_ name: String, type: String?) -> (String, Int)? {
        guard !name.contains("->"), let colon = name.lastIndex(of: ":"),
              let port = Int(name[name.index(after: colon)...]), port > 0, port <= 65535 else { return nil }
        var host = String(name[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let percent = host.firstIndex(of: "%") { host = String(host[..<percent]) } // fe80::1%lo0
        if host == "*" { host = type == "IPv6" ? "::" : "0.0.0.0" }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}
