import Foundation
import Testing
import DevenvCore
import DevenvEngine
import DevenvKit

/// Issue 30: `up --detach` right after a failed `up` reports its own run (not the last run's
/// log), and a non-zero exit never leaves a background supervisor restarting the process.
@Suite(.serialized, .endToEnd) struct FaultDetachTests {
    static let runs = 3

    static let manifest = """
    services:
      redis: { version: "7" }
    ports: { web: auto }
    processes:
      web:
        run: "echo run-$(date +%s%N); exit 3"
        ready: { http: / }
    """

    /// `devenv supervise` processes of this stack that are alive (not zombies).
    static func supervisors(_ p: ProjectFixture) -> [Int32] {
        Fault.commandLines().filter { pid, argv in
            argv.contains("supervise") && argv.contains(p.name) && !FaultGuardianTests.members(pid).isEmpty
        }.map(\.key)
    }

    @Test func detachAfterAFailedUpReportsItsOwnRunAndLeavesNoSupervisor() throws {
        try ProjectFixture.with("detach-fail") { p in
            try p.manifest(Self.manifest)
            try p.trust()
            let first = try p.devenv(["up", "--timeout", "60"])
            #expect(first.status == 1, "\(first.stdout)\(first.stderr)")
            var runs = 0, recovered = 0, left = 0
            for _ in 0..<Self.runs {
                let before = (try? p.read(".devenv/stacks/\(p.name)/processes/logs/web.log")) ?? ""
                let detach = try p.devenv(["up", "--detach", "--timeout", "60"])
                runs += 1
                #expect(detach.status == 1, "\(detach.stdout)\(detach.stderr)")
                // The error quotes this run's lines: a `run-<time>` line the log did not hold before.
                let quoted = detach.stderr.split(separator: "\n").filter { $0.contains("| run-") }.map { String($0.drop { $0 != "r" }) }
                #expect(!quoted.isEmpty && quoted.allSatisfy { !before.contains($0) }, "quotes an earlier run: \(detach.stderr)")
                #expect(!detach.stderr.contains("its supervisor stopped"), "\(detach.stderr)")
                let none = Fault.poll(timeout: 10) { Self.supervisors(p).isEmpty }
                #expect(none, "a supervisor is left restarting web: \(Self.supervisors(p))")
                left += Self.supervisors(p).count
                if none && !quoted.isEmpty && quoted.allSatisfy({ !before.contains($0) }) { recovered += 1 }
                for pid in Self.supervisors(p) { kill(pid, SIGKILL) }
            }
            FaultFigures.report("up --detach after a failed up: \(runs) runs, \(recovered) reporting their own run with no supervisor left, \(left) supervisors left")
        }
    }
}
