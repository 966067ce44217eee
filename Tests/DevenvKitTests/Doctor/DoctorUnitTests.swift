import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct DoctorFormatTests {
    let plain = Output(environment: ["NO_COLOR": "1"])

    @Test func passedAndFailedLinesWithTheFix() {
        let lines = DoctorFormat.lines([
            .pass("engine", "Docker Engine 20.10.24 (API 1.41)"),
            .fail("disk", "1.2 GB free", fix: "docker system prune"),
        ], output: plain)
        #expect(lines == [
            "✓ engine  Docker Engine 20.10.24 (API 1.41)",
            "✗ disk    1.2 GB free",
            "          fix: docker system prune",
            "1 of 2 checks failed.",
        ])
        #expect(DoctorFormat.lines([.pass("a", "fine")], output: plain).last == "All 1 checks passed.")
    }

    @Test func jsonShapeHasANullFixWhenOK() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let ok = String(decoding: try enc.encode(DoctorCheck.pass("compose", "docker compose 2.40.3")), as: UTF8.self)
        #expect(ok == #"{"check":"compose","detail":"docker compose 2.40.3","fix":null,"ok":true}"#)
        let skipped = DoctorCheck.skipped("disk", needs: "engine")
        #expect(!skipped.ok && skipped.fix?.contains("`engine`") == true)
    }

    @Test func sizesAndVersions() {
        #expect(DoctorFormat.bytes(512) == "512 B")
        #expect(DoctorFormat.bytes(81_700_000_000) == "81.7 GB")
        #expect(DoctorOperation.composeVersion("v2.40.3\n") == "2.40.3")
        #expect(DoctorOperation.composeVersion("2.20.0") == "2.20.0")
    }

    @Test func commandArgv() {
        #expect(DoctorCommands.composeVersion().argv == ["docker", "compose", "version", "--short"])
        #expect(DoctorCommands.checkIgnore(root: "/p", path: "api/.env").argv == ["git", "-C", "/p", "check-ignore", "--quiet", "--", "api/.env"])
        #expect(DoctorCommands.tracked(root: "/p", path: ".env").argv == ["git", "-C", "/p", "ls-files", "--error-unmatch", "--", ".env"])
        #expect(DoctorCommands.branches(root: "/p").argv == ["git", "-C", "/p", "branch", "--list", "--format=%(refname:short)"])
    }
}

@Suite struct PhaseTimerTests {
    @Test func summaryLeavesOutPhasesThatDidNotRun() {
        let t = PhaseTimer()
        t.record(.starting, ["postgres", "redis"], seconds: 1.12)
        t.record(.readiness, ["postgres"], seconds: 6.1)
        t.record(.readiness, ["redis"], seconds: 0.01)
        t.add(.seeding, "postgres", seconds: 0.1)
        t.add(.seeding, "postgres", seconds: 0.1)
        let timings = t.timings(services: ["postgres", "redis"], total: 7.3)
        #expect(timings.summary == "Timings (7.3s): postgres start 1.1s, ready 6.1s, seed 0.2s · redis start 1.1s, ready 0.0s")
        #expect(PhaseTimer().timings(services: ["x"], total: 0.02).summary == "Timings (0.0s)")
    }

    @Test func jsonHasEveryPhaseWithNullForSkippedOnes() throws {
        let t = PhaseTimer()
        t.record(.readiness, ["redis"], seconds: 0.01234)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = String(decoding: try enc.encode(t.timings(services: ["redis"], total: 0.5)), as: UTF8.self)
        #expect(json == #"{"services":{"redis":{"pulling":null,"readiness":0.012,"seeding":null,"starting":null}},"total":0.5}"#)
    }
}
