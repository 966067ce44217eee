#if os(Linux)
import DevenvPlatform
import Glibc

/// The sock_diag netlink socket that ``NetlinkDiag``'s messages go through.
enum NetlinkSocket {
    /// LISTEN sockets of both families, optionally only those on `port`; nil when netlink is unavailable.
    static func listeners(port: Int? = nil) -> [ProcNetTCPEntry]? {
        let fd = socket(Int32(NetlinkDiag.afNetlink), Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NetlinkDiag.netlinkSockDiag)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var entries: [ProcNetTCPEntry] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        for (seq, family) in [NetlinkDiag.inet, NetlinkDiag.inet6].enumerated() {
            guard send(fd, NetlinkDiag.request(family: family, seq: UInt32(seq + 1))),
                  receive(fd, &buffer, port: port, into: &entries) else { return nil }
        }
        return entries
    }

    private static func send(_ fd: Int32, _ msg: [UInt8]) -> Bool {
        // struct sockaddr_nl { nl_family = AF_NETLINK, nl_pad, nl_pid = 0 (the kernel), nl_groups }
        var kernel = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: UInt16(NetlinkDiag.afNetlink)) { kernel.replaceSubrange(0..<2, with: $0) }
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
            let status = buffer.withUnsafeBytes { NetlinkDiag.parse(UnsafeRawBufferPointer(rebasing: $0[0..<n]), port: port, into: &entries) }
            if let done = status { return done }
        }
    }
}
#endif
