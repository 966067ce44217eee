#if os(Linux)
import Glibc
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// TCP listeners from the kernel's `sock_diag` netlink interface — the same rows as
/// `/proc/net/tcp{,6}` (same network namespace, same uid and inode), but binary and asked for
/// LISTEN sockets only, so it costs about a millisecond where the text tables cost ten or more
/// with thousands of sockets. This is what `ss` uses. Returns nil when netlink is unavailable
/// (seccomp, gVisor, very old kernels) and the caller falls back to the text tables.
enum NetlinkDiag {
    private static let afNetlink: Int32 = 16          // AF_NETLINK
    private static let netlinkSockDiag: Int32 = 4     // NETLINK_SOCK_DIAG
    private static let sockDiagByFamily: UInt16 = 20  // SOCK_DIAG_BY_FAMILY
    private static let nlmsgError: UInt16 = 2, nlmsgDone: UInt16 = 3
    private static let requestDump: UInt16 = 0x301    // NLM_F_REQUEST | NLM_F_DUMP
    private static let headerSize = 16                // struct nlmsghdr
    private static let diagMsgSize = 72               // struct inet_diag_msg

    /// LISTEN sockets of both families, optionally only those on `port`.
    static func listeners(port: Int? = nil) -> [ProcNetTCPEntry]? {
        let fd = socket(afNetlink, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var entries: [ProcNetTCPEntry] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        for (seq, family) in [UInt8(AF_INET), UInt8(AF_INET6)].enumerated() {
            guard send(fd, request(family: family, seq: UInt32(seq + 1))),
                  receive(fd, &buffer, port: port, into: &entries) else { return nil }
        }
        return entries
    }

    /// `nlmsghdr` + `inet_diag_req_v2` asking for every TCP socket of `family` in LISTEN.
    static func request(family: UInt8, seq: UInt32) -> [UInt8] {
        var msg: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v) { msg.append(contentsOf: $0) } }
        put(UInt32(headerSize + 56)); put(sockDiagByFamily); put(requestDump); put(seq); put(UInt32(0))
        msg += [family, UInt8(IPPROTO_TCP), 0, 0]   // family, protocol, ext, pad
        put(UInt32(1) << 10)                         // states: 1 << TCP_LISTEN
        msg += [UInt8](repeating: 0, count: 48)      // inet_diag_sockid: ignored by a dump
        return msg
    }

    private static func send(_ fd: Int32, _ msg: [UInt8]) -> Bool {
        // struct sockaddr_nl { nl_family = AF_NETLINK, nl_pad, nl_pid = 0 (the kernel), nl_groups }
        var kernel = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: UInt16(afNetlink)) { kernel.replaceSubrange(0..<2, with: $0) }
        let sent = msg.withUnsafeBytes { bytes in
            kernel.withUnsafeBytes { addr in
                sendto(fd, bytes.baseAddress, bytes.count, 0,
                       addr.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(addr.count))
            }
        }
        return sent == msg.count
    }

    /// Reads the dump until NLMSG_DONE; false on a netlink error or a malformed reply.
    private static func receive(_ fd: Int32, _ buffer: inout [UInt8], port: Int?, into entries: inout [ProcNetTCPEntry]) -> Bool {
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { if errno == EINTR { continue }; return false }
            if n == 0 { return false }
            let status = buffer.withUnsafeBytes { parse(UnsafeRawBufferPointer(rebasing: $0[0..<n]), port: port, into: &entries) }
            if let done = status { return done }
        }
    }

    /// Parses one datagram of netlink messages: true at NLMSG_DONE, false on error, nil when
    /// more datagrams follow.
    static func parse(_ data: UnsafeRawBufferPointer, port: Int?, into entries: inout [ProcNetTCPEntry]) -> Bool? {
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
        switch Int32(family) {
        case AF_INET: address = ProcNetTCP.formatIPv4(Array(msg[8..<12])[...])
        case AF_INET6: address = ProcNetTCP.formatIPv6(Array(msg[8..<24]))
        default: return nil
        }
        let uid = msg.loadUnaligned(fromByteOffset: 64, as: UInt32.self)
        let inode = msg.loadUnaligned(fromByteOffset: 68, as: UInt32.self)
        return ProcNetTCPEntry(address: address, port: port, state: state, uid: uid, inode: UInt64(inode))
    }
}
#endif
