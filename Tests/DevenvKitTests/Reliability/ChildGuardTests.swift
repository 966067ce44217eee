import Foundation
import Testing
@testable import DevenvPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit
import CurrentPlatform

/// The guardian's program: at the end of its input it kills its process group, the pids it
/// was given and the process groups they lead (a shell-line process's children), and not the
/// ones taken back. Run under `setsid` so its group is its own, with every shell installed
/// here: dash (`/bin/sh` on Debian and Ubuntu), bash (`/bin/sh` on macOS), busybox sh.
@Suite struct ChildGuardTests {
    /// The shells to run the guardian with: argv prefixes, those installed on this machine.
    static let shells: [[String]] = {
        let candidates: [[String]] = [["/bin/sh"], ["/usr/bin/dash"], ["/bin/dash"], ["/bin/bash"], ["/usr/bin/bash"],
                                      ["/usr/bin/busybox", "sh"], ["/bin/busybox", "sh"]]
        var seen = Set<String>(), out: [[String]] = []
        for c in candidates where FileManager.default.isExecutableFile(atPath: c[0]) {
            let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: c[0])).map { URL(fileURLWithPath: $0).lastPathComponent }
                ?? URL(fileURLWithPath: c[0]).lastPathComponent
            let key = real + c.dropFirst().joined()
            if c[0] != "/bin/sh", seen.contains(key) { continue }
            seen.insert(key); out.append(c)
        }
        return out
    }()

    static func pid(in file: String, deadline: Date) -> Int32 {
        while !FileManager.default.fileExists(atPath: file) && Date() < deadline { usleep(10_000) }
        return Int32((try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    /// Alive and not a zombie (a container without an init may leave killed orphans unreaped).
    static func running(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 else { return false }
        return !(Machine.platform.processStart(pid)?.isZombie ?? false)
    }

    @Test func theShellsIncludeDashWhereItIsInstalled() {
        if Machine.platform.name == "linux", FileManager.default.isExecutableFile(atPath: "/usr/bin/dash") {
            #expect(Self.shells.contains { $0[0].hasSuffix("dash") || $0[0] == "/bin/sh" })
        }
        #expect(!Self.shells.isEmpty)
    }

    @Test(arguments: ChildGuardTests.shells)
    func theGuardianKillsItsGroupTheNamedPidsAndTheirGroupsAtEndOfInput(shell: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid") else { return }
        let dir = TestSupport.tempDir("guard")
        let deadline = Date().addingTimeInterval(10)
        // A shell-line process as the supervisor starts one: it leads a group of its own and
        // has a child of its own. Its pids are written from inside (setsid may fork).
        let named = Process(), spared = Process()
        named.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        named.arguments = ["sh", "-c", "echo $$ > \(dir)/named.tmp; mv \(dir)/named.tmp \(dir)/named; sleep 300 & echo $! > \(dir)/child.tmp; mv \(dir)/child.tmp \(dir)/child; wait"]
        spared.executableURL = URL(fileURLWithPath: "/bin/sleep")
        spared.arguments = ["300"]
        for p in [named, spared] { try p.run() }
        let leader = Self.pid(in: dir + "/named", deadline: deadline), child = Self.pid(in: dir + "/child", deadline: deadline)
        let started = [leader, child].map { $0 > 0 ? ProcessInfoProbe.startTicks($0) : nil }
        defer {
            for p in [named, spared] where p.isRunning { kill(p.processIdentifier, SIGKILL) }
            // Only the processes this test made, if they still run: a reaped pid may be another's by now.
            for (pid, ticks) in zip([leader, child], started) where pid > 0 && ticks != nil && ProcessInfoProbe.isSame(pid, ticks: ticks) { kill(pid, SIGKILL) }
        }
        let guardian = Process()
        guardian.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        guardian.arguments = ["sh", "-c", "sleep 300 & echo $! > \(dir)/member.tmp; mv \(dir)/member.tmp \(dir)/member; exec \"$@\" -c \"$0\"", ChildGuard.script] + shell
        let input = Pipe()
        guardian.standardInput = input
        try guardian.run()
        input.fileHandleForWriting.write(Data("+ \(leader)\n+ \(spared.processIdentifier)\n- \(spared.processIdentifier)\n".utf8))
        let member = Self.pid(in: dir + "/member", deadline: deadline)
        #expect(Self.running(member) && Self.running(leader) && Self.running(child))
        try input.fileHandleForWriting.close()
        Self.poll(deadline) { !Self.running(member) && !Self.running(leader) && !Self.running(child) }
        #expect(!Self.running(leader), "\(shell): the named pid is killed")
        #expect(!Self.running(member), "\(shell): the guardian's group member is killed")
        #expect(!Self.running(child), "\(shell): the child of the named pid (its group) is killed")
        #expect(spared.isRunning, "\(shell): a pid taken back is left alone")
    }

    static func poll(_ deadline: Date, _ condition: () -> Bool) {
        while !condition() && Date() < deadline { usleep(10_000) }
    }
}
