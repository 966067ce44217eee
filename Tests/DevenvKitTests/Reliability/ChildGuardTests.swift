import Foundation
import Testing
@testable import DevenvPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit
import CurrentPlatform

/// The guardian's program: at the end of its input it kills its process group and the pids it
/// was given, and not the ones taken back. Run under `setsid` so its group is its own.
@Suite struct ChildGuardTests {
    @Test func theGuardianKillsItsGroupAndTheNamedPidsAtEndOfInput() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid") else { return }
        let dir = TestSupport.tempDir("guard")
        let named = Process(), spared = Process()
        for p in [named, spared] { p.executableURL = URL(fileURLWithPath: "/bin/sleep"); p.arguments = ["300"]; try p.run() }
        defer { for p in [named, spared] where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let guardian = Process()
        guardian.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        guardian.arguments = ["sh", "-c", "sleep 300 & echo $! > \(dir)/member; exec sh -c \"$0\"", ChildGuard.script]
        let input = Pipe()
        guardian.standardInput = input
        try guardian.run()
        input.fileHandleForWriting.write(Data("+ \(named.processIdentifier)\n+ \(spared.processIdentifier)\n- \(spared.processIdentifier)\n".utf8))
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: dir + "/member") && Date() < deadline { usleep(10_000) }
        let member = Int32((try? String(contentsOfFile: dir + "/member", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(member > 0 && kill(member, 0) == 0)
        try input.fileHandleForWriting.close()
        guardian.waitUntilExit()
        named.waitUntilExit()
        #expect(named.terminationReason == .uncaughtSignal, "the named pid is killed")
        while kill(member, 0) == 0 && Date() < deadline { usleep(10_000) }
        #expect(kill(member, 0) != 0, "the group's member is killed")
        #expect(spared.isRunning, "a pid taken back is left alone")
    }
}
