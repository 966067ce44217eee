import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// A new branch stack's data, made from its running parent on the simulated engine: each data
/// service the way its kind's `copy:` and the parent's state allow (layered, live, stopped and
/// started again, or idle), all-or-nothing behind the copy journal, the parent's seed ledger
/// going with the copy; a copy that fails removes what the branch made and leaves the parent as it was.
@Suite struct BranchCopyTests {
    typealias World = OrchestrationTests.World
    static let manifest = "name: shop\nservices:\n  postgres: { version: \"16\" }\n  redis: {}\nseed:\n  postgres: [db/seed.sql]\n"
    static let branch = "shop-feature"

    /// The project's stack `shop` up with data and its seed applied; the checkout on branch `feature`.
    static func parentUp() async throws -> World {
        let w = try World(manifest, images: ["postgres:16", "redis:7"])
        try FileManager.default.createDirectory(atPath: w.root + "/db", withIntermediateDirectories: true)
        try "INSERT INTO users VALUES (1, 'ada');\n".write(toFile: w.root + "/db/seed.sql", atomically: true, encoding: .utf8)
        _ = try await UpSequenceTests.up(w)
        w.docker.setData("shop_postgres-data", "users: ada")
        w.docker.setData("shop_redis-data", "greeting: hello")
        try FileManager.default.createDirectory(atPath: w.root + "/.git", withIntermediateDirectories: true)
        try "ref: refs/heads/feature\n".write(toFile: w.root + "/.git/HEAD", atomically: true, encoding: .utf8)
        return w
    }

    static func upBranch(_ w: World) async throws -> UpOperation.Outcome {
        var up = UpOperation()
        (up.progress, up.branch) = (false, true)
        return try await up.run(w.ctx)
    }

    static func stateDir(_ w: World, _ stack: String = branch) -> String { StackPlanner.stateDir(root: w.root, stack: stack) }
    static func running(_ w: World, _ project: String) -> [String] {
        w.docker.containers.filter { $0.project == project && $0.state == .running }.map(\.service).sorted()
    }
    static func ledger(_ w: World, _ stack: String = branch) throws -> [String] {
        try SeedLedger.load(SeedLedger.path(stateDir: stateDir(w, stack))).seeds.map { "\($0.service) \($0.file)" }
    }

    @Test func postgresLayersOnABaseAndRedisIsCopiedLiveWhileTheParentKeepsServing() async throws {
        let w = try await Self.parentUp()
        let journal = Locked<[String]>([])
        w.docker.onCommand { c in
            guard SimulatedDocker.step(c) == "volume create \(Self.branch)_redis-data" else { return }
            journal.with { $0.append((try? BranchCopyJournal.load(BranchCopyJournal.path(stateDir: Self.stateDir(w))))??.state.rawValue ?? "none") }
        }
        let before = w.docker.commands.count
        let outcome = try await Self.upBranch(w)
        let steps = w.docker.steps(from: before)
        let base = try #require(w.docker.volumes.first { $0.name.hasPrefix("shop_postgres-data-base-") }?.name, "a base of the parent's data")
        func at(_ step: String) -> Int { steps.firstIndex(of: step) ?? -1 }

        #expect(!steps.contains { $0.hasPrefix("shop: stop") }, "the parent's services keep running: \(steps)")
        #expect(at("exec current") >= 0 && at("exec current") < at("run live -> \(base)"), "the parent's present is read, then the base taken live")
        #expect(at("volume create \(base)") < at("run live -> \(base)"))
        #expect(at("run reflink \(base) -> \(Self.branch)_postgres-data") >= 0, "a reflink clone is tried first: \(steps)")
        #expect(at("volume rm \(Self.branch)_postgres-data") > at("run reflink \(base) -> \(Self.branch)_postgres-data"), "the failed clone's volume goes")
        let overlay = steps.lastIndex(of: "volume create \(Self.branch)_postgres-data") ?? -1
        #expect(at("volume create \(Self.branch)_postgres-data-upper") < overlay && at("volume create \(Self.branch)_postgres-data-work") < overlay)
        #expect(at("run mount \(Self.branch)_postgres-data on \(base)") > overlay, "the first mount is the OverlayFS probe")
        #expect(at("volume create \(Self.branch)_redis-data") < at("run live -> \(Self.branch)_redis-data"))
        // Created beside the rotation when it still ran once every volume showed its data, else by `compose up` itself.
        #expect(at("\(Self.branch): create postgres redis") < at("\(Self.branch): up --detach --quiet-pull --remove-orphans"))
        let live = try #require(w.docker.commands.first { SimulatedDocker.step($0) == "run live -> \(Self.branch)_redis-data" })
        let parentRedis = try #require(w.docker.containers.first { $0.project == "shop" && $0.service == "redis" })
        #expect(live.arguments.contains("container:\(parentRedis.id)") && live.environment["REDISCLI_AUTH"] != nil, "in the parent's network, the password by name")
        let overlayCreate = try #require(w.docker.commands.last { SimulatedDocker.step($0) == "volume create \(Self.branch)_postgres-data" })
        #expect(overlayCreate.arguments.contains("o=lowerdir=\(SimulatedDocker.mountpoint(base)),upperdir=\(SimulatedDocker.mountpoint(Self.branch + "_postgres-data-upper")),workdir=\(SimulatedDocker.mountpoint(Self.branch + "_postgres-data-work"))"))

        #expect(journal.value == ["copying"], "the journal says `copying` before the branch's first volume")
        #expect(!FileManager.default.fileExists(atPath: BranchCopyJournal.path(stateDir: Self.stateDir(w))), "and is gone once the copy is whole")
        #expect(w.docker.volume("\(Self.branch)_postgres-data")?.data == "users: ada" && w.docker.volume("\(Self.branch)_redis-data")?.data == "greeting: hello")
        #expect(w.docker.volume("\(Self.branch)_redis-data")?.labels["dev.devenv.data-method"] == "copy")
        #expect(w.docker.volume("\(Self.branch)_postgres-data")?.labels["dev.devenv.data-method"] == "overlay")
        #expect(try Self.ledger(w) == ["postgres db/seed.sql"], "the parent's ledger came with the copy")
        #expect(!steps.contains { $0.hasPrefix("\(Self.branch): exec postgres <") }, "so the seed is not applied to the copy again")
        let origin = try #require(outcome.origin)
        #expect(origin.hasPrefix("New branch stack shop-feature starts with shop's data, copied in "))
        #expect(origin.contains("postgres  layered (overlay) in ") && origin.contains("on a base of shop's data taken live in "))
        #expect(origin.contains("postgres  own password set in the copied data in "), "the copy takes the branch's own password")
        #expect(origin.contains("redis     live copy in ") && origin.contains("shop's redis kept serving (unavailable 0.0s)"))
        #expect(Self.running(w, "shop") == ["postgres", "redis"] && Self.running(w, Self.branch) == ["postgres", "redis"])

        let engines = try FileManager.default.contentsOfDirectory(atPath: w.home + "/engines")
        #expect(try engines.map { try String(contentsOfFile: w.home + "/engines/" + $0, encoding: .utf8) }.allSatisfy { $0.contains("\"reflinks\" : false") } && engines.count == 1,
                "an engine without reflinks is remembered")

        // The second branch of an unchanged parent reuses the base, and skips the reflink clone the engine cannot do.
        try await DownOperation(volumes: true, yes: true, branch: true).run(w.ctx)
        let again = w.docker.commands.count
        _ = try await Self.upBranch(w)
        let second = w.docker.steps(from: again)
        #expect(!second.contains { $0.hasPrefix("run live -> shop_postgres-data-base-") || $0.hasPrefix("run reflink") }, "\(second)")
        // A layered volume has mounted on this engine: the rotation, which starts Postgres on the layer
        // first, gives its root the base root's owner and mode (one container less than the mount probe).
        #expect(second.contains("exec current") && !second.contains("run mount \(Self.branch)_postgres-data on \(base)"), "\(second)")
        #expect(try String(contentsOfFile: w.home + "/engines/" + engines[0], encoding: .utf8).contains("\"overlay\" : true"))
        let rotation = try #require(w.docker.commands[again...].last { $0.arguments.contains("dev.devenv.task=branch-rotate") })
        #expect(rotation.arguments.contains("\(base):/devenv-base:ro") && rotation.arguments.contains("--entrypoint") && rotation.arguments.contains("sh"),
                "\(rotation.arguments)")
        #expect(rotation.arguments.contains { $0.hasPrefix("ls -A /var/lib/postgresql/data | grep -q . && chown \"$(stat -c %u:%g /devenv-base)\"") && $0.hasSuffix("&& exec \"$@\"") },
                "\(rotation.arguments)")
    }

    @Test func onStorageWithReflinksTheBranchIsACloneOfTheBaseBroughtForwardOrANewBaseOnceItsSlotIsGone() async throws {
        let w = try await Self.parentUp()
        w.docker.setReflinks(true)
        let outcome = try await Self.upBranch(w)
        let first = try #require(w.docker.volumes.first { $0.name.hasPrefix("shop_postgres-data-base-") }?.name)
        let steps = w.docker.steps()
        #expect(steps.contains("run reflink \(first) -> \(Self.branch)_postgres-data"))
        #expect(!steps.contains { $0.hasPrefix("volume create \(Self.branch)_postgres-data-") }, "no OverlayFS layer: \(steps)")
        #expect(w.docker.volume("\(Self.branch)_postgres-data")?.labels["dev.devenv.data-method"] == "reflink")
        #expect(w.docker.volume("\(Self.branch)_postgres-data")?.data == "users: ada")
        #expect(outcome.origin?.contains("postgres  layered (reflink) in ") == true, "\(outcome.origin ?? "")")
        // The branch's own password is set in the clone's container: no rotation container of its own.
        let clone = try #require(w.docker.commands.first { SimulatedDocker.step($0) == "run reflink \(first) -> \(Self.branch)_postgres-data" })
        #expect(clone.arguments.contains("\(first):/devenv-base:ro") && clone.arguments.contains("\(Self.branch)_postgres-data:/var/lib/postgresql/data")
                && clone.arguments.contains("NEW_PASSWORD") && clone.environment["NEW_PASSWORD"] != nil, "\(clone.arguments)")
        #expect(clone.arguments.contains { $0.contains("cp -a --reflink=always /devenv-base/. /var/lib/postgresql/data/ || exit 5; exec \"$@\"") }, "\(clone.arguments)")
        #expect(!w.docker.commands.contains { $0.arguments.contains("dev.devenv.task=branch-rotate") }, "one container for the clone and the rotation")
        #expect(outcome.origin?.contains("postgres  own password set in the copied data, in its clone's container (") == true, "\(outcome.origin ?? "")")

        // The parent wrote since: the next branch is a clone of the same base, brought forward to
        // the parent's present in one container with its rotation, in the parent's network.
        try await DownOperation(volumes: true, yes: true, branch: true).run(w.ctx)
        w.docker.setData("shop_postgres-data", "users: ada, bob")
        w.docker.setPresent("postgres", "token-2")
        var before = w.docker.commands.count
        _ = try await Self.upBranch(w)
        #expect(!w.docker.volumes.contains { $0.name.hasPrefix("shop_postgres-data-base-") && $0.name != first }, "no new base")
        let caughtUp = w.docker.commands[before...].filter { $0.arguments.contains("dev.devenv.task=branch-rotate") }
        #expect(caughtUp.count == 1 && caughtUp.first?.arguments.contains { $0.hasPrefix("container:") } == true
                && caughtUp.first?.environment["NEW_PASSWORD"] != nil && caughtUp.first?.environment["PGPASSWORD"] != nil, "\(caughtUp.map(\.arguments))")
        #expect(w.docker.volume("\(Self.branch)_postgres-data")?.data == "users: ada, bob")

        // Once the parent no longer holds the base's slot (lost past its cap), a new base.
        try await DownOperation(volumes: true, yes: true, branch: true).run(w.ctx)
        w.docker.dropSlots()
        w.docker.setData("shop_postgres-data", "users: ada, bob, cy")
        w.docker.setPresent("postgres", "token-3")
        before = w.docker.commands.count
        _ = try await Self.upBranch(w)
        let second = try #require(w.docker.volumes.first { $0.name.hasPrefix("shop_postgres-data-base-") && $0.name != first }?.name, "a new base")
        #expect(w.docker.steps(from: before).contains("run live -> \(second)"))
        #expect(w.docker.volume(second)?.labels["dev.devenv.base-token"] == "token-3")
        #expect(w.docker.volume("\(Self.branch)_postgres-data")?.data == "users: ada, bob, cy")
    }

    @Test func anIdleServiceIsCopiedAsItIsAndAFailedLiveCopyFallsBackToStopCopyStart() async throws {
        let w = try await Self.parentUp()
        w.docker.setState(.exited, project: "shop", service: "postgres")
        w.docker.fail("live", when: { SimulatedDocker.step($0) == "run live -> \(Self.branch)_redis-data" }, stderr: "Error: MASTERAUTH required\n")
        let before = w.docker.commands.count
        let outcome = try await Self.upBranch(w)
        let steps = w.docker.steps(from: before)
        func at(_ step: String) -> Int { steps.firstIndex(of: step) ?? -1 }

        #expect(at("run copy shop_postgres-data -> \(Self.branch)_postgres-data") >= 0, "a stopped parent is copied without touching it: \(steps)")
        #expect(!steps.contains("shop: stop postgres") && !steps.contains("shop: start postgres"))
        let stop = at("shop: stop redis"), copy = at("run copy shop_redis-data -> \(Self.branch)_redis-data"), start = at("shop: start redis")
        #expect(at("run live -> \(Self.branch)_redis-data") < stop && stop < copy && copy < start, "\(steps)")
        let retry = try #require(w.docker.commands.first { SimulatedDocker.step($0) == "run copy shop_redis-data -> \(Self.branch)_redis-data" })
        #expect(retry.arguments.last?.hasPrefix("for f in /to/*") == true, "the failed live copy's leftovers are emptied first")
        let origin = try #require(outcome.origin)
        #expect(origin.contains("postgres  copied in ") && origin.contains("(shop's postgres was not running)"))
        #expect(origin.contains("redis     live copy failed (exit 1: Error: MASTERAUTH required); stopped for the copy instead, copied in "))
        #expect(Self.running(w, "shop") == ["redis"], "the parent is as it was: redis started again, postgres still stopped")
        #expect(w.docker.volume("\(Self.branch)_redis-data")?.data == "greeting: hello")
        #expect(try Self.ledger(w) == ["postgres db/seed.sql"])
    }

    @Test func aCopyThatFailsRemovesWhatTheBranchMadeAndLeavesTheParentAsItWas() async throws {
        let w = try await Self.parentUp()
        w.docker.setState(.exited, project: "shop", service: "postgres")
        w.docker.fail("disk", when: { SimulatedDocker.step($0).hasSuffix("-> \(Self.branch)_redis-data") }, stderr: "cp: write error: No space left on device")
        let before = w.docker.commands.count
        do {
            _ = try await Self.upBranch(w)
            Issue.record("a branch whose copy failed came up")
        } catch let e as DevenvError {
            #expect(e.message == "copying shop's data into \(Self.branch) failed; shop's data is unchanged")
            #expect(e.hint?.hasPrefix("Run `devenv up` again, or `devenv up --fresh` to start empty and seed.") == true)
        }
        let steps = w.docker.steps(from: before)
        let down = try #require(steps.firstIndex(of: "\(Self.branch): down --remove-orphans --volumes"), "\(steps)")
        #expect(steps[down...].contains("volume rm \(Self.branch)_postgres-data \(Self.branch)_redis-data"))
        #expect(steps.firstIndex(of: "shop: start redis").map { $0 < down } == true, "the parent's redis is started again")
        #expect(!w.docker.volumes.contains { $0.name.hasPrefix(Self.branch + "_") }, "no half-made branch volume is left")
        #expect(w.docker.containers.allSatisfy { $0.project != Self.branch })
        #expect(!FileManager.default.fileExists(atPath: BranchCopyJournal.path(stateDir: Self.stateDir(w))))
        #expect(try Self.ledger(w).isEmpty, "no seed entry is handed over")
        #expect(Self.running(w, "shop") == ["redis"])
        #expect(w.docker.volume("shop_postgres-data")?.data == "users: ada" && w.docker.volume("shop_redis-data")?.data == "greeting: hello")
    }
}
