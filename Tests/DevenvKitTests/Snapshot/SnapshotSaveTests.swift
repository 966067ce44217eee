import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `devenv snapshot save` on the simulated engine: the services holding data are stopped, each
/// volume is copied by a throwaway container into a labelled snapshot volume, the services are
/// started again and waited for, and the record written last lists what the snapshot holds. A
/// copy that fails leaves no half snapshot behind and the services running.
@Suite struct SnapshotSaveTests {
    typealias World = OrchestrationTests.World

    /// The shop stack up, its data written: postgres 16 and redis 7, one applied seed each.
    static func running() async throws -> World {
        let w = try World(OrchestrationTests.manifest, images: ["postgres:16", "redis:7"])
        _ = try await UpSequenceTests.up(w)
        w.docker.setData("shop_postgres-data", "users: ada, bob", version: "16")
        w.docker.setData("shop_redis-data", "greeting: hello", version: "7")
        let fp = FileFingerprint(size: 1, mtimeNanoseconds: 1)
        let ledger = SeedLedger(seeds: [
            .init(service: "postgres", file: "db/seed.sql", target: "shop", sha256: "aa", fingerprint: fp, appliedAt: Date(timeIntervalSince1970: 1_700_000_000)),
            .init(service: "redis", file: "seeds/cache.redis", target: "redis", sha256: "bb", fingerprint: fp, appliedAt: Date(timeIntervalSince1970: 1_700_000_000)),
        ])
        try ledger.save(SeedLedger.path(stateDir: stateDir(w)))
        return w
    }

    static func stateDir(_ w: World) -> String { StackPlanner.stateDir(root: w.root, stack: "shop") }

    static func running(_ w: World) -> [String] {
        w.docker.containers.filter { $0.project == "shop" && $0.state == .running }.map(\.service).sorted()
    }

    @Test func theDataServicesStopWhileEachVolumeIsCopiedThenStartAgainAndTheRecordListsTheVolumes() async throws {
        let w = try await Self.running()
        let before = w.docker.commands.count
        let snap = try await SnapshotOperation().save(w.ctx, name: "seeded")

        #expect(w.docker.steps(from: before) == [
            "run version shop_postgres-data", "run version shop_redis-data",
            "shop: stop postgres redis",
            "volume create shop--snap--seeded--postgres", "run copy shop_postgres-data -> shop--snap--seeded--postgres",
            "volume create shop--snap--seeded--redis", "run copy shop_redis-data -> shop--snap--seeded--redis",
            "shop: start postgres redis",
        ])
        let create = try #require(w.docker.commands.first { $0.arguments.starts(with: ["volume", "create"]) })
        for label in ["dev.devenv.stack=shop", "dev.devenv.snapshot=seeded", "dev.devenv.service=postgres", "dev.devenv.volume=postgres-data",
                      "dev.devenv.image=postgres:16", "dev.devenv.created=2027-01-15T08:00:00Z"] {
            #expect(create.arguments.contains(label), "\(label) in \(create.arguments)")
        }
        let copy = try #require(w.docker.commands.first { SimulatedDocker.step($0).hasPrefix("run copy shop_postgres") })
        #expect(Array(copy.arguments.prefix(9)) == ["run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "sh", "--label"])
        #expect(copy.arguments.contains("shop_postgres-data:/from:ro") && copy.arguments.contains("dev.devenv.task=snapshot"), "read-only source, a task label for leftovers")

        #expect(snap.name == "seeded" && snap.services == ["postgres", "redis"])
        #expect(snap.volumes == ["shop--snap--seeded--postgres", "shop--snap--seeded--redis"])
        #expect(w.docker.volume("shop--snap--seeded--postgres")?.data == "users: ada, bob")
        #expect(w.docker.volume("shop--snap--seeded--redis")?.data == "greeting: hello")
        #expect(Self.running(w) == ["postgres", "redis"], "the services are back")

        let record = try #require(try SnapshotRecord.load(stateDir: Self.stateDir(w), name: "seeded"))
        #expect(record.volumes == ["shop--snap--seeded--postgres", "shop--snap--seeded--redis"])
        #expect(record.services == ["postgres", "redis"])
        #expect(record.versions == ["postgres": "16", "redis": "7"], "the major version that wrote each service's data")
        #expect(record.seeds.map(\.file) == ["db/seed.sql", "seeds/cache.redis"], "the seed ledger as it was")
        let listed = try SnapshotOperation().list(w.ctx)
        #expect(listed.map(\.name) == ["seeded"] && listed.first?.complete == true)
    }

    @Test func aStoppedServiceIsCopiedAsItIsAndLeftStopped() async throws {
        let w = try await Self.running()
        w.docker.setState(.exited, project: "shop", service: "redis")
        let before = w.docker.commands.count
        _ = try await SnapshotOperation().save(w.ctx, name: "quiet")
        let steps = w.docker.steps(from: before)
        #expect(steps.contains("shop: stop postgres") && steps.contains("shop: start postgres"), "\(steps)")
        #expect(steps.contains("run copy shop_redis-data -> shop--snap--quiet--redis"))
        #expect(Self.running(w) == ["postgres"], "redis was not running, and is not started by a save")
    }

    @Test func aFailingCopyLeavesNoHalfSnapshotAndStartsTheServicesAgain() async throws {
        let w = try await Self.running()
        w.docker.fail("full disk", when: { SimulatedDocker.step($0) == "run copy shop_redis-data -> shop--snap--broken--redis" },
                      stderr: "cp: error writing '/to/appendonlydir/appendonly.aof.1.incr.aof': No space left on device")
        let before = w.docker.commands.count
        do {
            _ = try await SnapshotOperation().save(w.ctx, name: "broken")
            Issue.record("a save whose copy failed succeeded")
        } catch let e as DevenvError {
            #expect(e.message == "copying shop_redis-data into the snapshot failed (exit 1)")
            #expect(e.details.contains { $0.contains("No space left on device") }, "the copy's own words: \(e.details)")
        }
        let steps = w.docker.steps(from: before)
        let copied = try #require(steps.firstIndex(of: "run copy shop_redis-data -> shop--snap--broken--redis"))
        #expect(Array(steps[(copied + 1)...]) == ["volume rm shop--snap--broken--postgres shop--snap--broken--redis", "shop: start postgres redis"],
                "the volumes made so far go, then the services start again: \(steps)")
        #expect(!w.docker.volumes.contains { $0.labels[Snapshot.label] != nil }, "no snapshot volume is left")
        #expect(try SnapshotRecord.load(stateDir: Self.stateDir(w), name: "broken") == nil)
        #expect(try SnapshotOperation().list(w.ctx).isEmpty)
        #expect(Self.running(w) == ["postgres", "redis"])
        #expect(w.docker.volume("shop_postgres-data")?.data == "users: ada, bob", "the stack's data is untouched")
    }

    @Test func aTakenNameOrAStackWithoutDataIsRefusedBeforeAnythingStops() async throws {
        let w = try await Self.running()
        _ = try await SnapshotOperation().save(w.ctx, name: "seeded")
        let before = w.docker.commands.count
        do {
            _ = try await SnapshotOperation().save(w.ctx, name: "seeded")
            Issue.record("a snapshot name was taken twice")
        } catch let e as DevenvError {
            #expect(e.exitCode == .usage)
            #expect(e.message == "stack 'shop' already has a snapshot 'seeded'")
            #expect(e.hint?.contains("devenv snapshot rm seeded") == true)
        }
        #expect(w.docker.commands.count == before, "nothing stopped, nothing copied: \(w.docker.steps(from: before))")
        await #expect(throws: DevenvError.self) { _ = try await SnapshotOperation().save(w.ctx, name: "two--dashes") }

        let empty = try World(OrchestrationTests.manifest)
        do {
            _ = try await SnapshotOperation().save(empty.ctx, name: "first")
            Issue.record("a stack without data was saved")
        } catch let e as DevenvError {
            #expect(e.message == "stack 'shop' has no data yet" && e.hint?.contains("devenv up") == true)
        }
    }

    @Test func anInterruptedSaveIsListedIncompleteAndTheNextSaveRemovesIt() async throws {
        let w = try await Self.running()
        // A save killed during its copy: one snapshot volume, no record, its copy container still running.
        let labels = ["dev.devenv.stack": "shop", "dev.devenv.project": "shop", Snapshot.label: "cut", Snapshot.serviceLabel: "postgres",
                      Snapshot.volumeLabel: "postgres-data", Snapshot.createdLabel: "2027-01-14T08:00:00Z"]
        w.docker.addVolume("shop--snap--cut--postgres", labels: labels, data: "users: ad")
        let leftover = w.docker.addTaskContainer(stack: "shop", task: "snapshot")
        #expect(try SnapshotOperation().list(w.ctx).map { "\($0.name) \($0.complete)" } == ["cut false"])
        do {
            _ = try await SnapshotOperation().restore(w.ctx, name: "cut")
            Issue.record("an incomplete snapshot was restored")
        } catch let e as DevenvError {
            #expect(e.message == "snapshot 'cut' is incomplete (its save was interrupted), so it cannot be restored; the current data is unchanged")
        }
        #expect(w.docker.volume("shop_postgres-data")?.data == "users: ada, bob")

        let before = w.docker.commands.count
        _ = try await SnapshotOperation().save(w.ctx, name: "whole")
        #expect(Array(w.docker.steps(from: before).prefix(2)) == ["rm --force \(leftover)", "volume rm shop--snap--cut--postgres"],
                "the leftover copy container, then the incomplete snapshot go first")
        #expect(w.output.printed.stderr.contains("note: removed incomplete snapshot cut (an interrupted save)"))
        #expect(try SnapshotOperation().list(w.ctx).map(\.name) == ["whole"])
    }
}
