import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite("Ports: /proc/net/tcp parsing")
struct ProcNetTCPTests {
    @Test func ipv4ListenersOnlyListenRows() throws {
        let rows = ProcNetTCP.listeners(in: try PortsFixtures.text("proc-net-tcp.txt"))
        #expect(rows == [
            ProcNetTCPEntry(address: "127.0.0.1", port: 5432, state: 0x0A, uid: 0, inode: 32558),
            ProcNetTCPEntry(address: "0.0.0.0", port: 8080, state: 0x0A, uid: 1000, inode: 32559),
            ProcNetTCPEntry(address: "0.0.0.0", port: 2024, state: 0x0A, uid: 0, inode: 1525),
        ])
    }

    @Test func ipv6ListenersIncludingMappedAndLoopback() throws {
        let rows = ProcNetTCP.listeners(in: try PortsFixtures.text("proc-net-tcp6.txt"))
        #expect(rows == [
            ProcNetTCPEntry(address: "::", port: 6379, state: 0x0A, uid: 0, inode: 32560),
            ProcNetTCPEntry(address: "::ffff:127.0.0.1", port: 9000, state: 0x0A, uid: 0, inode: 32562),
            ProcNetTCPEntry(address: "::1", port: 27017, state: 0x0A, uid: 0, inode: 32561),
            ProcNetTCPEntry(address: "2001:db8::1", port: 443, state: 0x0A, uid: 33, inode: 32570),
        ])
    }

    @Test func portFilterKeepsOnlyThatPortsListeners() throws {
        // Port 5432 also appears as the local side of an ESTABLISHED row; only the LISTEN row stays.
        let v4 = ProcNetTCP.listeners(in: try PortsFixtures.text("proc-net-tcp.txt"), port: 5432)
        #expect(v4.map(\.inode) == [32558])
        let v6 = ProcNetTCP.listeners(in: try PortsFixtures.text("proc-net-tcp6.txt"), port: 27017)
        #expect(v6.map(\.inode) == [32561])
        #expect(ProcNetTCP.listeners(in: try PortsFixtures.text("proc-net-tcp.txt"), port: 1).isEmpty)
    }

    @Test func parseLineReadsAnyStateAndRejectsJunk() {
        let established = "   3: 0100007F:1538 0100007F:D0C8 01 00000000:00000000 00:00000000 00000000     0        0 32564 1 0000000035548941 20 0 0 10 -1"
        #expect(ProcNetTCP.parseLine(established)
                == ProcNetTCPEntry(address: "127.0.0.1", port: 5432, state: 1, uid: 0, inode: 32564))
        #expect(ProcNetTCP.parseLine(established)?.isListening == false)
        #expect(ProcNetTCP.parseLine("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode") == nil)
        #expect(ProcNetTCP.parseLine("") == nil)
        #expect(ProcNetTCP.parseLine("   0: 0100007F:1538 00000000:0000 0A 00000000:00000000") == nil) // cut short
        #expect(ProcNetTCP.parseLine("   0: 0100007G:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1") == nil)
        #expect(ProcNetTCP.parseLine("   0: 0100007F:0000 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1") == nil) // port 0
    }

    @Test(arguments: [
        ("0100007F", "127.0.0.1"),
        ("00000000", "0.0.0.0"),
        ("0100A8C0", "192.168.0.1"),
        ("00000000000000000000000000000000", "::"),
        ("00000000000000000000000001000000", "::1"),
        ("0000000000000000FFFF00000100007F", "::ffff:127.0.0.1"),
        ("B80D0120000000000000000001000000", "2001:db8::1"),
        ("000080FE000000000000000001000000", "fe80::1"),
        ("B80D0120010000000100010001000100", "2001:db8:0:1:1:1:1:1"), // one zero group stays
        ("00000100020000000000000004000300", "1::2:0:0:3:4"),         // tie: first run compressed
        ("b80d0120000000000000000001000000", "2001:db8::1"),          // lower-case hex accepted
    ])
    func decodesAddresses(hex: String, text: String) {
        #expect(ProcNetTCP.decodeAddress(hex: hex) == text)
    }

    @Test(arguments: ["", "0100007", "0100007F00", "XYZ0007F", "0000000000000000000000000100000"])
    func rejectsMalformedAddresses(hex: String) {
        #expect(ProcNetTCP.decodeAddress(hex: hex) == nil)
    }
}
