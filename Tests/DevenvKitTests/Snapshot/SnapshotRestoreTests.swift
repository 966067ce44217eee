import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `devenv snapshot restore` on the simulated engine: a name that is not there is a usage error
/// before anything stops; each snapshot is staged beside its volume's data, and only once every
/// copy succeeded are the volumes swapped (the journal says which phase it is in); a failed copy
/// leaves the data as it was; a restore a kill cut short is rolled back or finished by the next command.
@Suite struct SnapshotRestoreTests {
    typealias World = OrchestrationTests.World

    /// The stack with snapshot `seeded` of its data, and the data changed since.
    static func changedSinceSnapshot() async throws -> World {
        let w = try await SnapshotSaveTests.running()
        _ = try await SnapshotOperation().save(w.ctx, name: "seeded")
        w.docker.setData("shop_postgres-data", "users: none")
        w.docker.setData("shop_redis-data", "greeting: gone")
        let path = SeedLedger.path(stateDir: SnapshotSaveTests.stateDir(w))
        var ledger = try SeedLedger.load(path)
        ledger.record(.init(service: "postgres", file: "db/later.sql", target: "shop", sha256: "cc", fingerprint: FileFingerprint(size: 2, mtimeNanoseconds: 2),
                            appliedAt: Date(timeIntervalSince1970: 1_750_000_000)))
        try ledger.save(path)
        return w
    }

    static func data(_ w: World) -> [String?] { [w.docker.volume("shop_postgres-data")?.data, w.docker.volume("shop_redis-data")?.data] }
    static func ledgerFiles(_ w: World) throws -> [String] {
        try SeedLedger.load(SeedLedger.path(stateDir: SnapshotSaveTests.stateDir(w))).seeds.map(\.file).sorted()
    }

    @Test func aMissingNameExits2NamingTheSnapshotsThereAreAndStopsNothing() async throws {
        let w = try await Self.changedSinceSnapshot()
        let before = w.docker.commands.count
        do {
            _ = try await SnapshotOperation().restore(w.ctx, name: "seded")
            Issue.record("a snapshot that is not there was restored")
        } catch let e as DevenvError {
            #expect(e.exitCode == .usage)
            #expect(e.message == "stack 'shop' has no snapshot 'seded'; did you mean 'seeded'?")
            #expect(e.hint == "Snapshots: seeded (`devenv snapshot ls`).")
        }
        #expect(w.docker.commands.count == before, "\(w.docker.steps(from: before))")
        #expect(Self.data(w) == ["users: none", "greeting: gone"])
    }

    @Test func everySnapshotIsStagedBeforeAnyVolumeIsSwappedAndTheLedgerGoesBackToo() async throws {
        let w = try await Self.changedSinceSnapshot()
        let journal = RestoreJournal.path(stateDir: SnapshotSaveTests.stateDir(w))
        let phases = Locked<[String]>([])
        w.docker.onCommand { c in
            let step = SimulatedDocker.step(c)
            guard step.hasPrefix("run stage") || step.hasPrefix("run swap") else { return }
            let phase = (try? RestoreJournal.load(stateDir: SnapshotSaveTests.stateDir(w)))??.phase.rawValue ?? "none"
            phases.with { $0.append("\(step.split(separator: " ")[1]) while \(phase)") }
        }
        let before = w.docker.commands.count
        let restored = try await SnapshotOperation().restore(w.ctx, name: "seeded")

        #expect(w.docker.steps(from: before) == [
            "shop: stop postgres redis",
            "run stage shop--snap--seeded--postgres -> shop_postgres-data", "run stage shop--snap--seeded--redis -> shop_redis-data",
            "run swap shop_postgres-data", "run swap shop_redis-data",
            "shop: start postgres redis",
        ])
        #expect(phases.value == ["stage while staging", "stage while staging", "swap while swapping", "swap while swapping"],
                "the journal says `swapping` only once every copy is staged")
        let stage = try #require(w.docker.commands.first { SimulatedDocker.step($0).hasPrefix("run stage shop--snap--seeded--postgres") })
        #expect(stage.arguments.contains("shop--snap--seeded--postgres:/from:ro") && stage.arguments.contains("dev.devenv.task=restore"))
        #expect(stage.arguments.last?.contains("mv /to/.devenv-restore /to/.devenv-restore.ready") == true, "a staged copy is marked complete by a rename")

        #expect(restored.services == ["postgres", "redis"])
        #expect(Self.data(w) == ["users: ada, bob", "greeting: hello"])
        #expect(!FileManager.default.fileExists(atPath: journal), "the journal is gone once the restore is whole")
        #expect(try Self.ledgerFiles(w) == ["db/seed.sql", "seeds/cache.redis"], "db/later.sql counts as not applied again")
        #expect(SnapshotSaveTests.running(w) == ["postgres", "redis"])
    }

    @Test func aFailedCopyLeavesTheCurrentDataAndStartsTheServicesAgain() async throws {
        let w = try await Self.changedSinceSnapshot()
        w.docker.fail("stage", when: { SimulatedDocker.step($0) == "run stage shop--snap--seeded--redis -> shop_redis-data" },
                      stderr: "cp: cannot create directory '/to/.devenv-restore/appendonlydir': No space left on device")
        let before = w.docker.commands.count
        do {
            _ = try await SnapshotOperation().restore(w.ctx, name: "seeded")
            Issue.record("a restore whose copy failed succeeded")
        } catch let e as DevenvError {
            #expect(e.message == "restoring snapshot 'seeded' failed; the current data is unchanged")
            #expect(e.hint?.contains("copying snapshot shop--snap--seeded--redis for redis failed (exit 1)") == true, "\(e.hint ?? "")")
        }
        let steps = w.docker.steps(from: before)
        #expect(Array(steps.suffix(3)) == ["run unstage shop_postgres-data", "run unstage shop_redis-data", "shop: start postgres redis"], "\(steps)")
        #expect(!steps.contains { $0.hasPrefix("run swap") }, "no volume was swapped")
        #expect(Self.data(w) == ["users: none", "greeting: gone"])
        #expect(w.docker.volumes.allSatisfy { $0.staged == nil }, "no staged copy is left")
        #expect(try RestoreJournal.load(stateDir: SnapshotSaveTests.stateDir(w)) == nil)
        #expect(try Self.ledgerFiles(w) == ["db/later.sql", "db/seed.sql", "seeds/cache.redis"], "the ledger still matches the data")
        #expect(SnapshotSaveTests.running(w) == ["postgres", "redis"])
    }

    /// A restore killed while staging (the journal says `staging`, half a copy beside the data)
    /// is rolled back by the next `up`; one killed while swapping is finished by it.
    @Test func aKilledRestoreIsRolledBackBeforeItsSwapAndFinishedAfterIt() async throws {
        let w = try await Self.changedSinceSnapshot()
        let stateDir = SnapshotSaveTests.stateDir(w)
        let targets = [RestoreJournal.Target(service: "postgres", volume: "shop_postgres-data", image: "postgres:16"),
                       RestoreJournal.Target(service: "redis", volume: "shop_redis-data", image: "redis:7")]
        func killed(_ phase: RestoreJournal.Phase, staged: [String?]) throws {
            try RestoreJournal(snapshot: "seeded", phase: phase, targets: targets).save(stateDir: stateDir)
            w.docker.setStaged("shop_postgres-data", staged[0])
            w.docker.setStaged("shop_redis-data", staged[1])
            for s in ["postgres", "redis"] { w.docker.setState(.exited, project: "shop", service: s) }
        }

        try killed(.staging, staged: ["users: ada, bob", nil])
        var before = w.docker.commands.count
        _ = try await UpSequenceTests.up(w)
        #expect(Array(w.docker.steps(from: before).prefix(2)) == ["run unstage shop_postgres-data", "run unstage shop_redis-data"])
        #expect(w.output.printed.stderr.contains("note: an interrupted restore of snapshot 'seeded' was rolled back: the data of postgres, redis is as it was"))
        #expect(Self.data(w) == ["users: none", "greeting: gone"])
        #expect(w.docker.volumes.allSatisfy { $0.staged == nil })
        #expect(try Self.ledgerFiles(w) == ["db/later.sql", "db/seed.sql", "seeds/cache.redis"])

        try killed(.swapping, staged: [nil, "greeting: hello"])   // postgres was swapped already
        w.docker.setData("shop_postgres-data", "users: ada, bob")
        before = w.docker.commands.count
        _ = try await UpSequenceTests.up(w)
        #expect(Array(w.docker.steps(from: before).prefix(2)) == ["run swap shop_postgres-data", "run swap shop_redis-data"], "the swap runs again: it is idempotent")
        #expect(w.output.printed.stderr.contains("note: finished the interrupted restore of snapshot 'seeded' (postgres, redis)"))
        #expect(Self.data(w) == ["users: ada, bob", "greeting: hello"])
        #expect(try Self.ledgerFiles(w) == ["db/seed.sql", "seeds/cache.redis"], "and the snapshot's ledger applied")
        #expect(try RestoreJournal.load(stateDir: stateDir) == nil)
        #expect(SnapshotSaveTests.running(w) == ["postgres", "redis"])
    }
}
