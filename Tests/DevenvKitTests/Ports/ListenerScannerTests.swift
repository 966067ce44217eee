import Foundation
import Testing
@testable import DevenvPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit
import CurrentPlatform

@Suite("Ports: ListenerScanner")
struct ListenerScannerTests {
    /// Opens a TCP listener on 127.0.0.1 with an OS-chosen port; returns (fd, port).
    static func openLoopbackListener() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Posix.streamSocket, 0)
        try #require(fd >= 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        try #require(bound == 0)
        try #require(listen(fd, 16) == 0)
        let named = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        try #require(named == 0)
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    @Test func findsOwnListenerWithPidAndCommand() throws {
        let (fd, port) = try Self.openLoopbackListener()
        defer { close(fd) }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent

        let found = Machine.platform.listeners(port: port)
        let mine = try #require(found.first { $0.address == "127.0.0.1" })
        #expect(found.allSatisfy { $0.port == port })
        #expect(mine.port == port)
        if Machine.platform.name == "linux" { #expect(mine.inode > 0) }   // lsof gives none on macOS
        #expect(mine.holder?.pid == getpid())
        #expect(mine.holder?.uid == getuid())
        #expect(mine.holder?.user == ProcFS.userName(uid: getuid()))
        #expect(mine.holder?.user != nil)
        let command = try #require(mine.holder?.command)
        #expect(command.contains(binary), "command \(command) should name \(binary)")

        let all = Machine.platform.listeners(port: nil)
        #expect(all.contains(mine))
        #expect(all == all.sorted(by: Listener.sortKey))
    }

    @Test func portsOutsideTheTCPRangeHaveNoListeners() {
        for port in [0, -1, 70000] {
            #expect(Machine.platform.listeners(port: port).isEmpty)
            #expect(ListenerScanner.listeners(on: port, procRoot: "/proc").isEmpty)
        }
    }

    /// A fake /proc tree: the fixture tables plus pid directories whose fd links name sockets.
    @Test func resolvesHoldersInAFakeProcTree() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("devenv-proc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(root)/net", withIntermediateDirectories: true)
        try fm.copyItem(atPath: PortsFixtures.path("proc-net-tcp.txt"), toPath: "\(root)/net/tcp")
        try fm.copyItem(atPath: PortsFixtures.path("proc-net-tcp6.txt"), toPath: "\(root)/net/tcp6")
        func process(_ pid: Int, cmdline: String, comm: String = "", fds: [String]) throws {
            try fm.createDirectory(atPath: "\(root)/\(pid)/fd", withIntermediateDirectories: true)
            try Data(cmdline.utf8).write(to: URL(fileURLWithPath: "\(root)/\(pid)/cmdline"))
            try Data(comm.utf8).write(to: URL(fileURLWithPath: "\(root)/\(pid)/comm"))
            for (n, target) in fds.enumerated() {
                try fm.createSymbolicLink(atPath: "\(root)/\(pid)/fd/\(n)", withDestinationPath: target)
            }
        }
        try process(1200, cmdline: "postgres: worker\0", fds: ["socket:[32558]"]) // forked child
        try process(120, cmdline: "/usr/lib/postgresql/15/bin/postgres\0-D\0/var/lib/pg\0",
                    fds: ["/dev/null", "pipe:[77]", "socket:[32558]", "socket:[999]"])
        try process(300, cmdline: "", comm: "minio\n", fds: ["socket:[32562]"])
        try process(4000, cmdline: "/usr/bin/docker-proxy\0-proto\0tcp\0-host-ip\0::1\0-host-port\0027017\0-container-ip\0172.18.0.2\0-container-port\027017\0",
                    fds: ["anon_inode:[eventpoll]", "socket:[32561]"])
        try fm.createDirectory(atPath: "\(root)/self/fd", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: "\(root)/self/fd/0", withDestinationPath: "socket:[32559]") // not a pid

        let all = ListenerScanner.proc(port: nil, procRoot: root)
        #expect(all.map(\.port) == [443, 2024, 5432, 6379, 8080, 9000, 27017])
        let byPort = Dictionary(uniqueKeysWithValues: all.map { ($0.port, $0) })
        #expect(byPort[5432]?.holder == PortHolder(pid: 120, command: "/usr/lib/postgresql/15/bin/postgres -D /var/lib/pg",
                                                   user: ProcFS.userName(uid: 0), uid: 0))
        #expect(byPort[9000]?.holder?.pid == 300)
        #expect(byPort[9000]?.holder?.command == "minio")
        #expect(byPort[9000]?.address == "::ffff:127.0.0.1")
        #expect(byPort[8080]?.holder == PortHolder(pid: nil, command: nil, user: ProcFS.userName(uid: 1000), uid: 1000))
        #expect(byPort[2024]?.holder?.pid == nil)
        let proxy = try #require(byPort[27017])
        #expect(proxy.address == "::1")
        #expect(DockerProxy.target(of: proxy.holder)?.containerIP == "172.18.0.2")

        let one = ListenerScanner.proc(port: 9000, procRoot: root)
        #expect(one == [byPort[9000]!])
        #expect(ListenerScanner.proc(port: 1, procRoot: root).isEmpty)
        #expect(ListenerScanner.proc(port: 5432, procRoot: "\(root)/missing").isEmpty)
    }

    @Test func commandLineTextFromCmdlineBytes() {
        #expect(ProcFS.commandLine(fromCmdline: Array("a\0b c\0d\0\0".utf8), maxLength: 100) == "a b c d")
        let long = ProcFS.commandLine(fromCmdline: Array(String(repeating: "x", count: 50).utf8), maxLength: 10)
        #expect(long == String(repeating: "x", count: 9) + "…")
        #expect(long.count == 10)
        #expect(ProcFS.socketInode(Array("socket:[123]".utf8CString), 12) == 123)
        #expect(ProcFS.socketInode(Array("pipe:[123]".utf8CString), 10) == nil)
        #expect(ProcFS.socketInode(Array("socket:[]".utf8CString), 9) == nil)
    }
}
