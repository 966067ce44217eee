import Foundation
import Testing
import DevenvCore
import DevenvEngine
import DevenvKit

/// Issue 30's guardian faults, under dash (`/bin/sh` on Debian and Ubuntu, which rejects
/// `kill -KILL -- -PGID`): `kill -9` of a foreground `up` and of the background supervisor of
/// `up --detach`, while a process whose `run:` is a shell line has started children of its
/// own. Nothing of its process group is left (polled with a deadline), and the next `up`
/// gets the process's port back. Bounded: `runs` kills of each.
@Suite(.serialized, .endToEnd) struct FaultGuardianTests {
    static let runs = 3
    static let startup: TimeInterval = 120
    static let gone: TimeInterval = 10

    /// A shell line (run by `/bin/sh -c`) that starts two children of its own, then serves.
    static let manifest = """
    services:
      redis: { version: "7" }
    ports: { web: auto }
    processes:
      web:
        run: "sleep 86400 & sleep 86400 & python3 -m http.server {{ports.web}} --bind 127.0.0.1"
        ready: { http: / }
    """

    /// What `/bin/sh` is here (the guardian and every shell line run under it).
    static var binSh: String {
        URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().lastPathComponent
    }

    /// Pids in process group `pgid` that are alive (zombies, dead but not reaped in a
    /// container without an init, do not count).
    static func members(_ pgid: Int32) -> [Int32] {
        var out: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, fields[0] != "Z", Int32(fields[2]) == pgid else { continue }
            out.append(pid)
        }
        return out
    }

    static func web(_ p: ProjectFixture) throws -> [String: Any]? {
        let r = try p.devenv(["status", "--json"])
        let obj = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        return (obj["processes"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "web" }
    }

    /// The running, ready web process's pid (its group's id) and port, polled until then.
    static func readyWeb(_ p: ProjectFixture) throws -> (pgid: Int32, port: Int)? {
        var found: (Int32, Int)?
        Fault.poll(timeout: startup) {
            guard let w = try? web(p), w["ready"] as? Bool == true, let pid = w["pid"] as? Int, let port = w["port"] as? Int else { return false }
            found = (Int32(pid), port)
            return true
        }
        return found
    }

    @Test func binShIsDashWhereDebianHasIt() {
        // The kill tests below mean "under dash" on Debian and Ubuntu, where dash is /bin/sh.
        if FileManager.default.fileExists(atPath: "/etc/debian_version") {
            #expect(Self.binSh == "dash", "/bin/sh is \(Self.binSh), so these tests would not run the guardian under dash")
        }
    }

    @Test func killingForegroundUpLeavesNoProcessOfAShellLine() throws {
        try ProjectFixture.with("guard-fg") { p in
            try p.manifest(Self.manifest)
            try p.trust()
            var runs = 0, recovered = 0, left = 0
            var firstPort: Int?
            for _ in 0..<Self.runs {
                let up = try Fault.Run(p, ["up"])
                let web = try #require(try Self.readyWeb(p), "web never got ready: \(up.stderr)")
                #expect(Self.members(web.pgid).count >= 3, "the shell line and its two children run in its group")
                #expect(up.kill9(), "up was still running when killed")
                runs += 1
                let clean = Fault.poll(timeout: Self.gone) { Self.members(web.pgid).isEmpty }
                let leftovers = clean ? [] : Self.members(web.pgid)
                #expect(clean, "left running after kill -9 of up (/bin/sh is \(Self.binSh)): \(leftovers)")
                left += leftovers.count
                if clean { recovered += 1 }
                if firstPort == nil { firstPort = web.port }
                #expect(web.port == firstPort, "the process keeps its port run after run")
                // Only what was seen left over: once the group is gone its number may be reused.
                if !clean { for pid in leftovers { kill(pid, SIGKILL) } }
            }
            FaultFigures.report("kill -9 of foreground up with a shell-line process (/bin/sh: \(Self.binSh)): \(runs) runs, \(recovered) with its whole group gone, \(left) processes left")
        }
    }

    @Test func killingTheDetachedSupervisorLeavesNoProcessOfAShellLine() throws {
        try ProjectFixture.with("guard-bg") { p in
            try p.manifest(Self.manifest)
            try p.trust()
            var runs = 0, recovered = 0, left = 0
            var firstPort: Int?
            for _ in 0..<Self.runs {
                let up = try p.devenv(["up", "--detach"])
                try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
                let web = try #require(try Self.readyWeb(p))
                let pidFile = p.root + "/.devenv/stacks/\(p.name)/processes/supervisor.pid"
                let supervisor = try #require(Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
                #expect(Self.members(web.pgid).count >= 3, "the shell line and its two children run in its group")
                #expect(kill(supervisor, SIGKILL) == 0)
                runs += 1
                let clean = Fault.poll(timeout: Self.gone) { Self.members(web.pgid).isEmpty }
                let leftovers = clean ? [] : Self.members(web.pgid)
                #expect(clean, "left running after kill -9 of the supervisor (/bin/sh is \(Self.binSh)): \(leftovers)")
                left += leftovers.count
                if clean { recovered += 1 }
                if firstPort == nil { firstPort = web.port }
                #expect(web.port == firstPort, "the process keeps its port run after run")
                // Only what was seen left over: once the group is gone its number may be reused.
                if !clean { for pid in leftovers { kill(pid, SIGKILL) } }
            }
            _ = try p.devenv(["down"])
            FaultFigures.report("kill -9 of the detached supervisor with a shell-line process (/bin/sh: \(Self.binSh)): \(runs) runs, \(recovered) with its whole group gone, \(left) processes left")
        }
    }
}
