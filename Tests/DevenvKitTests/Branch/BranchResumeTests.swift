import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// A branch copy that a kill cut short, finished or discarded by the next `up` on the simulated
/// engine, as its journal says: `copying` means the branch's volumes are not its data yet (they
/// go, with any leftover copy container, and the copy runs again); `copied` means the copy was
/// whole (the parent's seed entries are handed over and nothing is copied again).
@Suite struct BranchResumeTests {
    typealias World = OrchestrationTests.World
    static let branch = BranchCopyTests.branch
    static let seed = SeedLedger.Entry(service: "postgres", file: "db/seed.sql", target: "shop", sha256: Checksum.sha256("INSERT INTO users VALUES (1, 'ada');\n"),
                                       fingerprint: FileFingerprint(size: 1, mtimeNanoseconds: 1), appliedAt: Date(timeIntervalSince1970: 1_700_000_000))

    /// The branch's volumes as a killed copy left them, labelled as compose labels its own.
    static func leftVolumes(_ w: World, postgres: String, redis: String) {
        let labels = ["dev.devenv.stack": branch, "dev.devenv.project": "shop", "dev.devenv.root": w.root, "dev.devenv.branch": "feature",
                      "com.docker.compose.project": branch, "dev.devenv.data-method": "copy", "dev.devenv.data-from": "shop"]
        w.docker.addVolume("\(branch)_postgres-data", labels: labels.merging(["com.docker.compose.volume": "postgres-data"]) { $1 }, data: postgres)
        w.docker.addVolume("\(branch)_redis-data", labels: labels.merging(["com.docker.compose.volume": "redis-data"]) { $1 }, data: redis)
    }

    static func journal(_ w: World, _ state: BranchCopyJournal.State, seeds: [SeedLedger.Entry] = []) throws {
        try FileManager.default.createDirectory(atPath: BranchCopyTests.stateDir(w), withIntermediateDirectories: true)
        try BranchCopyJournal(state: state, parent: "shop", services: ["postgres", "redis"],
                              volumes: ["\(branch)_postgres-data", "\(branch)_redis-data"], seeds: seeds)
            .save(BranchCopyJournal.path(stateDir: BranchCopyTests.stateDir(w)))
    }

    @Test func aCopyKilledWhileCopyingIsDiscardedAndMadeAgain() async throws {
        var w = try await BranchCopyTests.parentUp()
        w.environment["DEVENV_BRANCH_LAYERS"] = "off"   // postgres is copied live, as kinds without layers are
        try Self.journal(w, .copying)
        Self.leftVolumes(w, postgres: "users: a", redis: "")
        let leftover = w.docker.addTaskContainer(stack: Self.branch, task: "branch-copy")
        w.docker.setState(.exited, project: "shop", service: "redis")   // stopped for the copy when devenv was killed

        let before = w.docker.commands.count
        let outcome = try await BranchCopyTests.upBranch(w)
        let steps = w.docker.steps(from: before)
        #expect(Array(steps.prefix(2)) == ["rm --force \(leftover)", "volume rm \(Self.branch)_postgres-data \(Self.branch)_redis-data"],
                "the leftover copy container, then the volumes, before anything looks at the data: \(steps)")
        #expect(w.output.printed.stderr.contains("note: discarded an unfinished copy of shop's data into \(Self.branch) (devenv was stopped during it; 2 volumes removed); copying again"))
        #expect(w.output.printed.stderr.contains("; shop's redis was stopped for the copy and is still stopped: `devenv up` in its folder starts it again"))
        #expect(steps.contains("run live -> \(Self.branch)_postgres-data"), "postgres runs: a live copy")
        #expect(steps.contains("run copy shop_redis-data -> \(Self.branch)_redis-data"), "redis is stopped: copied as it is")
        #expect(w.docker.volume("\(Self.branch)_postgres-data")?.data == "users: ada", "a whole copy, not the half one")
        #expect(try BranchCopyTests.ledger(w) == ["postgres db/seed.sql"])
        #expect(!FileManager.default.fileExists(atPath: BranchCopyJournal.path(stateDir: BranchCopyTests.stateDir(w))))
        #expect(outcome.origin?.contains("redis     copied in ") == true)
    }

    @Test func aCopyKilledAfterItWasWholeIsFinishedWithoutCopyingAgain() async throws {
        let w = try await BranchCopyTests.parentUp()
        try Self.journal(w, .copied, seeds: [Self.seed])
        Self.leftVolumes(w, postgres: "users: ada", redis: "greeting: hello")

        let before = w.docker.commands.count
        let outcome = try await BranchCopyTests.upBranch(w)
        let steps = w.docker.steps(from: before)
        #expect(w.output.printed.stderr.contains("note: finished copying shop's data into \(Self.branch): the copy had completed when devenv was stopped"))
        #expect(!steps.contains { $0.hasPrefix("run live") || $0.hasPrefix("run copy") || $0.hasPrefix("volume") || $0.hasPrefix("shop:") },
                "nothing is copied again and the parent is not touched: \(steps)")
        #expect(try BranchCopyTests.ledger(w) == ["postgres db/seed.sql"], "the parent's seed entries, from the journal")
        #expect(!steps.contains { $0.hasPrefix("\(Self.branch): exec postgres <") }, "so its seed does not run on the copy")
        #expect(!FileManager.default.fileExists(atPath: BranchCopyJournal.path(stateDir: BranchCopyTests.stateDir(w))))
        #expect(outcome.started && outcome.origin == nil, "the branch starts on the data it has")
        #expect(w.docker.volume("\(Self.branch)_postgres-data")?.data == "users: ada")
        #expect(BranchCopyTests.running(w, Self.branch) == ["postgres", "redis"])
    }

    @Test func aCopyKilledBeforeItsFirstVolumeSaysNoneWasRemoved() async throws {
        let w = try await BranchCopyTests.parentUp()
        try Self.journal(w, .copying)
        let before = w.docker.commands.count
        _ = try await BranchCopyTests.upBranch(w)
        #expect(w.output.printed.stderr.contains("note: discarded an unfinished copy of shop's data into \(Self.branch) (devenv was stopped during it; 0 volumes removed); copying again"),
                "\(w.output.printed.stderr)")
        let discarding = w.docker.steps(from: before).prefix { !$0.hasPrefix("run") }   // before the copy begins again
        #expect(!discarding.contains { $0.hasPrefix("volume rm") }, "\(discarding)")
        #expect(w.docker.volume("\(Self.branch)_redis-data")?.data == "greeting: hello")
    }

    @Test func aDamagedJournalStopsUpWithoutTouchingTheBranchsVolumes() async throws {
        let w = try await BranchCopyTests.parentUp()
        try Self.journal(w, .copying)
        Self.leftVolumes(w, postgres: "users: a", redis: "")
        let path = BranchCopyJournal.path(stateDir: BranchCopyTests.stateDir(w))
        try AtomicFile.write(Data("{\"state\": \"cop".utf8), to: path)
        let before = w.docker.commands.count
        do {
            _ = try await BranchCopyTests.upBranch(w)
            Issue.record("up went on without knowing whether the branch's data is whole")
        } catch let e as DevenvError {
            #expect(e.message.hasPrefix("the branch copy record \(path) is damaged"))
            #expect(e.hint?.contains("devenv down --volumes --yes") == true)
        }
        #expect(w.docker.commands.count == before, "\(w.docker.steps(from: before))")
        #expect(w.docker.volume("\(Self.branch)_postgres-data")?.data == "users: a")
    }
}
