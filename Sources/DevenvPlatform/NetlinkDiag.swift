
/// TCP listeners from the kernel's `sock_diag` netlink interface — the same rows as
/// `/proc/net/tcp{,6}` (same network namespace, same uid and inode), but binary and asked for
/// LISTEN sockets only, so it costs about a millisecond where the text tables cost ten or more
/// with thousands of sockets. This is what `ss` uses. Returns nil when netlink is unavailable
/// (seccomp, gVisor, very old kernels) and the caller falls back to the text tables.
/// The messages, built and parsed here as pure functions; `LinuxPlatform` sends them.
public enum NetlinkDiag {
    package static let afNetlink: Int32 = 16          // AF_NETLINK
    package static let netlinkSockDiag: Int32 = 4     // NETLINK_SOCK_DIAG
    private static let sockDiagByFamily: UInt16 = 20  // SOCK_DIAG_BY_FAMILY
    private static let nlmsgError: UInt16 = 2, nlmsgDone: UInt16 = 3
    private static let requestDump: UInt16 = 0x301    // NLM_F_REQUEST | NLM_F_DUMP
    /// Linux's address family numbers (Darwin's AF_INET6 differs; these are the kernel's).
    public static let inet: UInt8 = 2, inet6: UInt8 = 10
    private static let headerSize = 16                // struct nlmsghdr
    private static let diagMsgSize = 72               // struct inet_diag_msg

    /// `nlmsghdr` + `inet_diag_req_v2` asking for every TCP socket of `family` in LISTEN.
    public static func request(family: UInt8, seq: UInt32) -> [UInt8] {
        var msg: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v) { msg.append(contentsOf: $0) } }
        put(UInt32(headerSize + 56)); put(sockDiagByFamily); put(requestDump); put(seq); put(UInt32(0))
        msg += [family, 6, 0, 0]                       // family, protocol, ext, pad
        put(UInt32(1) << 10)                         // states: 1 << TCP_LISTEN
        msg += [UInt8](repeating: 0, count: 48)      // inet_diag_sockid: ignored by a dump
        return msg
    }

    /// Parses one datagram of netlink messages: true at NLMSG_DONE, false on error, nil when
    /// more datagrams follow.
    public static func parse(_ data: UnsafeRawBufferPointer, port: Int?, into entries: inout [ProcNetTCPEntry]) -> Bool? {
        var offset = 0
        while offset + headerSize <= data.count {
            let length = Int(data.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let type = data.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            guard length >= headerSize, offset + length <= data.count else { return false }
            if type == nlmsgDone { return true }
            if type == nlmsgError { return false }
            if type == sockDiagByFamily, length >= headerSize + diagMsgSize,
               let entry = entry(UnsafeRawBufferPointer(rebasing: data[(offset + headerSize)...]), port: port) {
                entries.append(entry)
            }
            offset += (length + 3) & ~3
        }
        return nil
    }

    /// `inet_diag_msg`: family, state, timer, retrans, then `inet_diag_sockid` (sport, dport
    /// big-endian; src, dst 16 bytes each, network order; if; cookie), expires, rqueue, wqueue,
    /// uid, inode.
    private static func entry(_ msg: UnsafeRawBufferPointer, port wanted: Int?) -> ProcNetTCPEntry? {
        let family = msg[0], state = msg[1]
        let port = Int(msg[4]) << 8 | Int(msg[5])
        guard state == ProcNetTCP.listenState, wanted == nil || wanted == port else { return nil }
        let address: String
        switch family {
        case inet: address = ProcNetTCP.formatIPv4(Array(msg[8..<12])[...])
        case inet6: address = ProcNetTCP.formatIPv6(Array(msg[8..<24]))
        default: return nil
        }
        let uid = msg.loadUnaligned(fromByteOffset: 64, as: UInt32.self)
        let inode = msg.loadUnaligned(fromByteOffset: 68, as: UInt32.self)
        return ProcNetTCPEntry(address: address, port: port, state: state, uid: uid, inode: UInt64(inode))
    }
}
