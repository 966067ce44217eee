import Foundation
import Testing
@testable import DevenvKit

/// A process group is signalled only while its number still belongs to the process that led
/// it: with pid_max at 32768, a reaped group's number can lead another session (a container's
/// init, a postmaster) a moment later, and a stale `kill(-pgid)` would stop that instead.
@Suite struct ReusedPidTests {
    /// A real session leader (`setsid sleep`), standing for whatever reused the number.
    static func sessionLeader() throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        p.arguments = ["sleep", "30"]
        try p.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, ProcessInfoProbe.startTicks(p.processIdentifier).map({ _ in getpgid(p.processIdentifier) != p.processIdentifier }) ?? true {
            usleep(10_000)
        }
        return p
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid"), "util-linux's setsid (not on macOS)"))
    func aGroupWhoseNumberNowLeadsAnotherProcessIsNotSignalled() throws {
        let other = try Self.sessionLeader()
        defer { kill(other.processIdentifier, SIGKILL); other.waitUntilExit() }
        let pgid = other.processIdentifier
        let ticks = try #require(ProcessInfoProbe.startTicks(pgid))
        #expect(getpgid(pgid) == pgid, "setsid made it lead its own group")

        // Recorded for a leader that started at another time: the number was reused.
        #expect(!ProcessInfoProbe.isOurGroup(pgid, leaderTicks: ticks &- 1))
        ProcessInfoProbe.signalGroup(pgid, leaderTicks: ticks &- 1, SIGKILL)
        #expect(kill(pgid, 0) == 0, "the process that reused the number still runs")

        // Recorded for this very leader: it is ours, and the signal goes.
        #expect(ProcessInfoProbe.isOurGroup(pgid, leaderTicks: ticks))
        ProcessInfoProbe.signalGroup(pgid, leaderTicks: ticks, SIGKILL)
        other.waitUntilExit()
        #expect(other.terminationReason == .uncaughtSignal && other.terminationStatus == SIGKILL)
    }
}
