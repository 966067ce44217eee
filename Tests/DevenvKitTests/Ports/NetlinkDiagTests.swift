import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite("Ports: sock_diag netlink")
struct NetlinkDiagTests {
    /// One netlink message carrying an `inet_diag_msg` (plus one trailing attribute).
    static func message(family: UInt8, state: UInt8, port: UInt16, address: [UInt8], uid: UInt32, inode: UInt32) -> [UInt8] {
        var body: [UInt8] = [family, state, 0, 0, UInt8(port >> 8), UInt8(port & 0xFF), 0, 0]
        body += address + [UInt8](repeating: 0, count: 16 - address.count)   // src
        body += [UInt8](repeating: 0, count: 16 + 4 + 8 + 12)                 // dst, if, cookie, expires/rqueue/wqueue
        withUnsafeBytes(of: uid) { body += $0 }
        withUnsafeBytes(of: inode) { body += $0 }
        body += [5, 0, 8, 0, 1, 0, 0, 0]                                      // an attribute (padded)
        var msg: [UInt8] = []
        withUnsafeBytes(of: UInt32(16 + body.count)) { msg += $0 }
        withUnsafeBytes(of: UInt16(20)) { msg += $0 }
        msg += [2, 0, 1, 0, 0, 0, 0, 0, 0, 0]                                 // flags, seq, pid
        return msg + body
    }

    static let done: [UInt8] = [20, 0, 0, 0, 3, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]

    @Test func parsesDiagMessagesUntilDone() {
        let datagram = Self.message(family: UInt8(AF_INET), state: 10, port: 5432, address: [127, 0, 0, 1], uid: 1000, inode: 4242)
            + Self.message(family: NetlinkDiag.inet6, state: 10, port: 6379, address: [UInt8](repeating: 0, count: 15) + [1], uid: 0, inode: 77)
            + Self.message(family: UInt8(AF_INET), state: 1, port: 5432, address: [127, 0, 0, 1], uid: 0, inode: 9) // not LISTEN
        var entries: [ProcNetTCPEntry] = []
        let more = datagram.withUnsafeBytes { NetlinkDiag.parse($0, port: nil, into: &entries) }
        #expect(more == nil)
        #expect(entries == [
            ProcNetTCPEntry(address: "127.0.0.1", port: 5432, state: 10, uid: 1000, inode: 4242),
            ProcNetTCPEntry(address: "::1", port: 6379, state: 10, uid: 0, inode: 77),
        ])
        var filtered: [ProcNetTCPEntry] = []
        let end = (datagram + Self.done).withUnsafeBytes { NetlinkDiag.parse($0, port: 6379, into: &filtered) }
        #expect(end == true)
        #expect(filtered.map(\.inode) == [77])
        var none: [ProcNetTCPEntry] = []
        #expect(Array(Self.done.prefix(10)).withUnsafeBytes { NetlinkDiag.parse($0, port: nil, into: &none) } == nil)
        let error: [UInt8] = [20, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xEA, 0xFF, 0xFF, 0xFF]
        #expect(error.withUnsafeBytes { NetlinkDiag.parse($0, port: nil, into: &none) } == false)
    }

    @Test func requestIsADumpOfListeningTCPSockets() {
        let req = NetlinkDiag.request(family: NetlinkDiag.inet6, seq: 7)
        #expect(req.count == 72)
        #expect(Array(req[0..<4]) == [72, 0, 0, 0])
        #expect(Array(req[4..<8]) == [20, 0, 0x01, 0x03])   // SOCK_DIAG_BY_FAMILY, REQUEST|DUMP
        #expect(Array(req[16..<24]) == [NetlinkDiag.inet6, 6, 0, 0, 0, 4, 0, 0])
    }

    /// Netlink and the text tables must describe the same socket the same way.
    @Test(.enabled(if: Machine.platform.name == "linux", "netlink is Linux's")) func agreesWithProcNetTCPOnALiveSocket() throws {
        let (fd, port) = try ListenerScannerTests.openLoopbackListener()
        defer { close(fd) }
        let viaNetlink = Machine.platform.listeners(port: port)   // LinuxPlatform asks sock_diag
        let viaText = ListenerScanner.proc(port: port, procRoot: "/proc")
        #expect(viaNetlink.count == 1)
        #expect(viaNetlink == viaText)
        #expect(viaNetlink.first?.address == "127.0.0.1")
        #expect(viaNetlink.first?.holder?.uid == getuid())
    }
}
