import Foundation
import Testing
@testable import DevenvPlatform
@testable import DevenvCore
@testable import DevenvEngine
import CurrentPlatform

/// The stack locks the child guard holds for a devenv that may be killed: the first by the
/// guardian itself, one taken after the guardian started (`gc`, `down --all`, a branch's copy
/// under its parent's lock) by a holder in the guardian's group, started before the child that
/// asked for the group and ended when the lock is released. Linux only: it reads /proc.
@Suite(.serialized) struct ChildGuardLockTests {
    /// The processes of process group `group` whose standard output is `file`.
    static func holders(group: pid_t, of file: String) -> [pid_t] {
        let target = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        return pids.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: end)...].split(separator: " ")   // state, ppid, pgrp, …
            guard fields.count > 2, Int32(fields[2]) == group else { return false }
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/1")) == target
        }.sorted()
    }

    static var linux: Bool { Machine.platform.name == "linux" && FileManager.default.fileExists(atPath: "/proc/self/stat") }

    @Test func aLockTakenAfterTheGuardianStartedIsHeldByAHolderInItsGroupUntilReleased() async throws {
        guard Self.linux else { return }
        let guardian = ChildGuard()
        defer { guardian.end() }
        let dir = TestSupport.tempDir("guard-locks")
        let (a, b, c) = (dir + "/a.lock", dir + "/b.lock", dir + "/c.lock")

        let first = try FileLock.acquire(a)
        guardian.hold(first)
        let group = try #require(await guardian.group())
        #expect(Self.holders(group: group, of: a) == [group], "the guardian holds the lock held when it started")
        guardian.release(first)
        first.unlock()

        let second = try FileLock.acquire(b)
        guardian.hold(second)
        #expect(await guardian.group() == group, "the guardian runs on")
        let holder = Self.holders(group: group, of: b)
        #expect(holder.count == 1 && holder.first != group, "a holder in the guardian's group holds the later lock before the next child starts: \(holder)")
        guardian.release(second)
        ChildGuardTests.poll(Date().addingTimeInterval(10)) { Self.holders(group: group, of: b).isEmpty }
        #expect(Self.holders(group: group, of: b).isEmpty, "released: its holder lets go and ends")
        second.unlock()

        // devenv's end (its input closed): the guardian kills its group, the holder with it.
        let third = try FileLock.acquire(c)
        guardian.hold(third)
        _ = await guardian.group()
        let last = try #require(Self.holders(group: group, of: c).first)
        #expect(ChildGuardTests.running(last))
        guardian.end()
        ChildGuardTests.poll(Date().addingTimeInterval(10)) { !ChildGuardTests.running(last) && !ChildGuardTests.running(group) }
        #expect(!ChildGuardTests.running(last), "the holder dies with the guardian's group")
        guardian.release(third)
        third.unlock()
    }

    /// The holder's program: a line lets the lock go at once; the end of its input (devenv
    /// killed) does not: it holds on until the guardian kills its group.
    @Test func theHolderLetsGoOnALineAndHoldsOnAtTheEndOfItsInput() throws {
        guard Self.linux else { return }
        for told in [true, false] {
            let holder = Process(), input = Pipe()
            holder.executableURL = URL(fileURLWithPath: "/bin/sh")
            holder.arguments = ["-c", ChildGuard.holderScript]
            holder.standardInput = input
            try holder.run()
            defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
            if told { input.fileHandleForWriting.write(Data("release\n".utf8)) }
            try input.fileHandleForWriting.close()
            let pid = holder.processIdentifier
            if told {
                ChildGuardTests.poll(Date().addingTimeInterval(10)) { !holder.isRunning }
                #expect(!holder.isRunning && holder.terminationStatus == 0, "a line: it ends")
            } else {
                func command() -> String { ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").replacingOccurrences(of: "\0", with: " ") }
                ChildGuardTests.poll(Date().addingTimeInterval(10)) { command().hasPrefix("sleep") }
                #expect(command().hasPrefix("sleep") && holder.isRunning, "the end of its input: it waits to be killed (\(command()))")
            }
        }
    }
}
