import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `mirror --check` never passes without reading staging, `--dry-run` writes nothing, keys
/// staging dropped leave the file, and the staging command runs with its timeout.
@Suite("Mirror: check failures, dry run, removed keys")
struct MirrorCheckTests {
    static let staging = "staging:\n  from: { preset: railway }\n  local: [MINE]\n"
    static let env = "env:\n  api/.env: { API: x }\n"

    /// A Railway stand-in printing `variables` (railway-variables.json's shape) or failing as `failure` says.
    final class Railway: @unchecked Sendable {
        var variables: [String: String] = ["LOG_LEVEL": "info", "FEATURE_X": "on", "OLD_FLAG": "1"]
        var failure: Error?
        var result: CommandResult?
        lazy var runner = RoutedRunner { [unowned self] command in
            if let failure { throw failure }
            if let result { return result }
            let data = try JSONSerialization.data(withJSONObject: variables, options: [.prettyPrinted, .sortedKeys])
            return RoutedRunner.ok(String(decoding: data, as: UTF8.self))
        }
    }

    @Test("a check that cannot read staging fails, never says no drift", arguments: [
        "exit", "missing", "garbage", "empty", "timeout", "too-much",
    ])
    func checkFailsWithoutStaging(failure: String) async throws {
        let railway = Railway()
        let p = try MirrorProject(Self.staging, env: Self.env, runner: railway.runner)
        _ = try await p.mirror()
        #expect(try await p.mirror { $0.check = true }.sourceError == nil)
        let command = Command("railway", [])
        switch failure {
        case "exit": railway.result = CommandResult(status: 1, stdout: "", stderr: "Unauthorized")
        case "missing": railway.failure = DevenvError("cannot run `railway`: not found")
        case "garbage": railway.result = RoutedRunner.ok("<html>login expired</html>")
        case "empty": railway.result = RoutedRunner.ok("{}\n")
        case "timeout": railway.failure = CommandTimedOut(command: command, timeout: .seconds(60))
        default: railway.failure = CommandOutputTooLarge(command: command, limit: 64 << 20)
        }
        let report = try await p.mirror { $0.check = true }
        let error = try #require(report.sourceError)
        #expect(error.exitCode == .failure)
        #expect(error.message.hasPrefix("could not read staging: preset railway"), "\(error.message)")
        let expected = ["exit": "exited with status 1", "missing": "could not be started", "garbage": "cannot read",
                        "empty": "gave no variables", "timeout": "did not finish within 60 s", "too-much": "more than 64 MiB"][failure]!
        #expect(error.message.contains(expected), "\(error.message)")
        #expect(report.drift.isEmpty, "the lock still matches the file")
        #expect(report.notes.contains("compared devenv.staging.lock with api/.env only"))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"source_error\":\"could not read staging: preset railway"), "\(json)")
    }

    @Test func aCheckWithoutStagingOrLockStillReportsTheSourceError() async throws {
        let railway = Railway()
        railway.result = CommandResult(status: 3, stdout: "", stderr: "")
        let p = try MirrorProject(Self.staging, env: Self.env, runner: railway.runner)
        let report = try await p.mirror { $0.check = true }
        #expect(report.sourceError?.message.contains("exited with status 3") == true)
        #expect(report.keys.isEmpty && report.notes.first?.contains("nothing to compare") == true)
        await #expect(throws: DevenvError.self) { try await p.mirror { $0.check = true; $0.fromLock = true } }
    }

    @Test func theStagingCommandRunsWithTheTimeout() async throws {
        let railway = Railway()
        let p = try MirrorProject(Self.staging, env: Self.env, runner: railway.runner)
        _ = try await p.mirror()
        #expect(railway.runner.commands.last?.timeout == .seconds(60), "60 s by default")
        let q = try MirrorProject(Self.staging + "  timeout: 2.5\n", env: Self.env, runner: railway.runner)
        _ = try await q.mirror()
        #expect(railway.runner.commands.last?.timeout == .milliseconds(2500))
        await #expect { try await MirrorProject(Self.staging + "  timeout: soon\n", env: Self.env, runner: railway.runner).mirror() } throws: {
            (($0 as? DevenvError)?.details ?? []).contains { $0.contains("staging.timeout must be a number of seconds") }
        }
    }

    @Test func dryRunWritesNoProjectFile() async throws {
        let railway = Railway()
        let p = try MirrorProject(Self.staging, env: Self.env, runner: railway.runner)
        _ = try await p.mirror()
        try p.write("api/.env", (p.read("api/.env") ?? "") + "MINE=1\n")
        let files = ["api/.env", StagingLock.fileName, ".devenv/env-written.json", ".devenv/mirror-written.json"]
        let before = files.map(p.read)
        railway.variables = ["LOG_LEVEL": "debug", "FEATURE_Y": "on"]
        let report = try await p.mirror { $0.dryRun = true }
        #expect(files.map(p.read) == before, "a dry run changed a project file")
        #expect(report.removed == ["FEATURE_X", "OLD_FLAG"], "it says what it would remove")
        #expect(report.keys.first { $0.mirrored.key == "LOG_LEVEL" }?.action == .updated)
    }

    @Test func keysStagingDroppedLeaveTheFileUnlessAPersonChangedThem() async throws {
        let railway = Railway()
        let p = try MirrorProject(Self.staging, env: Self.env, runner: railway.runner)
        try p.write("api/.env", "# mine\nMINE=1\n")
        _ = try await p.mirror()
        #expect(try p.values("api/.env")["OLD_FLAG"] == "1")
        try p.write("api/.env", (p.read("api/.env") ?? "").replacingOccurrences(of: "FEATURE_X=on", with: "FEATURE_X=off"))

        railway.variables = ["LOG_LEVEL": "info"]
        let report = try await p.mirror()
        let values = try p.values("api/.env")
        #expect(values["OLD_FLAG"] == nil, "mirror wrote it, staging dropped it: removed")
        #expect(values["FEATURE_X"] == "off", "changed by hand: kept")
        #expect(values["MINE"] == "1" && values["LOG_LEVEL"] == "info")
        #expect(p.read("api/.env")?.hasPrefix("# mine\nMINE=1\n") == true)
        #expect(report.removed == ["OLD_FLAG"])
        #expect(report.notes.contains("no longer on staging: removed OLD_FLAG from api/.env"))
        #expect(report.notes.contains { $0.contains("kept FEATURE_X") && $0.contains("--force") })
        #expect(try await p.mirror { $0.check = true }.drift.map(\.subject) == ["FEATURE_X"], "the kept key is still drift")

        let forced = try await p.mirror { $0.force = true }
        #expect(forced.removed == ["FEATURE_X"])
        #expect(try p.values("api/.env")["FEATURE_X"] == nil)
        #expect(try await p.mirror { $0.check = true }.drift.isEmpty)
        let lock = try #require(p.read(StagingLock.fileName))
        #expect(!lock.contains("OLD_FLAG") && !lock.contains("FEATURE_X"))
    }

    @Test func fromLockRemovesKeysTheNewLockDropped() async throws {
        let railway = Railway()
        let p = try MirrorProject(Self.staging, env: Self.env, runner: railway.runner)
        _ = try await p.mirror()
        // A teammate committed a lock without OLD_FLAG; this clone mirrors from it.
        var lock = try #require(try StagingLock.read(path: p.root + "/" + StagingLock.fileName))
        lock.keys["OLD_FLAG"] = nil
        try lock.write(path: p.root + "/" + StagingLock.fileName)
        let report = try await p.mirror { $0.fromLock = true }
        #expect(report.removed == ["OLD_FLAG"])
        #expect(try p.values("api/.env")["OLD_FLAG"] == nil)
    }
}
