import Foundation
import Testing
@testable import DevenvKit

/// A process group is signalled only while its number still belongs to the process that led
/// it: with pid_max at 32768, a reaped group's number can lead another session (a container's
/// init, a postmaster) a moment later, and a stale `kill(-pgid)` would stop that instead.
@Suite struct ReusedPidTests {
    /// A real group leader (`sleep`, spawned into a group of its own), standing for whatever
    /// reused the number. posix_spawn, not `setsid`: setsid forks when it already leads a group.
    static func groupLeader() throws -> pid_t {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let words: [String] = ["/bin/sleep", "3600"]   // outlives any stall; killed by the test
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sleep", nil, &attr, argv, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        return pid
    }

    /// Whether `pid` has ended (gone or a zombie) within 30 s: polled, since whichever part of
    /// the test process reaps children may take it first.
    static func ends(_ pid: Int32) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if kill(pid, 0) != 0 || ProcessInfoProbe.isZombie(pid) { return true }
            usleep(10_000)
        }
        return false
    }

    @Test func aGroupWhoseNumberNowLeadsAnotherProcessIsNotSignalled() throws {
        let pgid = try Self.groupLeader()
        let started = ProcessInfoProbe.startTicks(pgid)
        // Only the leader this test made, if it still runs: once reaped its number may already be
        // another process's (a postmaster of a test running beside this one).
        defer { if ProcessInfoProbe.isSame(pgid, ticks: started) { kill(pgid, SIGKILL) }; var status: Int32 = 0; _ = waitpid(pgid, &status, WNOHANG) }
        let ticks = try #require(started)
        #expect(getpgid(pgid) == pgid, "it leads its own group")

        // Recorded for a leader that started at another time: the number was reused.
        #expect(!ProcessInfoProbe.isOurGroup(pgid, leaderTicks: ticks &- 1))
        ProcessInfoProbe.signalGroup(pgid, leaderTicks: ticks &- 1, SIGKILL)
        #expect(kill(pgid, 0) == 0 && !ProcessInfoProbe.isZombie(pgid), "the process that reused the number still runs")

        // Recorded for this very leader: it is ours, and the signal goes.
        #expect(ProcessInfoProbe.isOurGroup(pgid, leaderTicks: ticks))
        ProcessInfoProbe.signalGroup(pgid, leaderTicks: ticks, SIGKILL)
        #expect(Self.ends(pgid), "the group's leader was killed")
    }
}
