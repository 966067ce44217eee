import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// A base behind its parent brought forward in the branch (`copy.layered.catchup`, built-in
/// postgres): what the kind declares, the commands it becomes (the parent's password by name,
/// never in an argv), the parent's anchors as read, and the background refresh's command.
@Suite struct CatchUpTests {
    static func job() throws -> (CatchUp.Job, PlannedService) {
        let plan = try RotateStepTests.plan()
        let pg = try #require(plan.service("postgres"))
        let kind = try #require(pg.kind)
        let schema = try #require(kind.layered?.catchup)
        let job = try CatchUp.job(schema, context: pg.context, templates: kind.templates, image: pg.image, parentContainer: "c0ffee",
                                  dataPath: "/var/lib/postgresql/data", newBase: "shop_postgres-data-base-1a2b3c")
        return (job, pg)
    }

    @Test func postgresDeclaresACatchUpWhoseAnchorIsASlotNamedAfterTheBase() throws {
        let (job, _) = try Self.job()
        #expect(job.newAnchor == "devenv_base_1a2b3c")
        #expect(CatchUp.baseID("shop-x_postgres-data-base-ff01") == "ff01")
        #expect(Array(job.anchors.argv.prefix(5)) == ["docker", "exec", "--user", "0:0", "-e"])
        #expect(job.anchors.argv.contains("c0ffee") && job.anchors.argv.last?.contains("pg_replication_slots") == true)
        #expect(job.release.argv.contains("c0ffee"))
        #expect(job.env.map(\.0) == ["PGPASSWORD"])
        #expect(job.argv.suffix(4) == ["/var/lib/postgresql/data", "127.0.0.1", "5432", "devenv"], "the data path and the parent on loopback")
    }

    @Test func theAnchorsArePrintedOnePerLineAsNameAndBytesOrLost() {
        #expect(CatchUp.parse("devenv_base_a 16777216\ndevenv_base_b lost\n\nnoise\n") == [
            CatchUp.Anchor(name: "devenv_base_a", behind: 16_777_216), CatchUp.Anchor(name: "devenv_base_b", behind: nil)])
    }

    @Test func theCatchUpAndTheRotationRunInOneContainerInTheParentsNetworkWithEveryValueByName() throws {
        let (job, pg) = try Self.job()
        let rotation = RotateCommand.Rendered(argv: ["sh", "-c", "rotate", "sh", "/var/lib/postgresql/data"], env: [("NEW_PASSWORD", "newPG123")],
                                              image: pg.image, volume: "v", dataPath: "/var/lib/postgresql/data")
        let c = CatchUp.command(job, volume: "shop-x_postgres-data", rotation: rotation, layerBase: "shop_postgres-data-base-1a2b3c",
                                labels: [("dev.devenv.task", "branch-rotate")])
        #expect(Array(c.argv.prefix(9)) == ["docker", "run", "--rm", "--network", "container:c0ffee", "--user", "0:0", "--entrypoint", "sh"])
        #expect(c.argv.contains("shop-x_postgres-data:/var/lib/postgresql/data") && c.argv.contains("shop_postgres-data-base-1a2b3c:/devenv-base:ro"))
        let script = try #require(c.argv.firstIndex(of: "-c").map { c.argv[$0 + 1] })
        #expect(script.hasPrefix("ls -A /var/lib/postgresql/data") && script.contains("|| exit \(CatchUp.failedStatus); } && exec \"$@\""))
        #expect(Array(c.argv.suffix(6)) == ["sh", "sh", "-c", "rotate", "sh", "/var/lib/postgresql/data"])
        #expect(Set(c.environment.keys) == ["PGPASSWORD", "NEW_PASSWORD"])
        let line = c.argv.joined(separator: " ")
        for secret in c.environment.values { #expect(!line.contains(secret), "no password in the argv") }
        // Without a rotation the container ends after the catch-up.
        let alone = CatchUp.command(job, volume: "v", rotation: nil, layerBase: nil, labels: [])
        #expect(alone.argv.last == "sh" && !(alone.argv.first { $0.contains("exec \"$@\"") } != nil))
        #expect(SSHCommands.quote("it's") == "'it'\\''s'")
    }

    /// The checkout moved to another git branch (a second branch stack of the same parent).
    static func checkout(_ w: OrchestrationTests.World, _ branch: String) throws {
        try "ref: refs/heads/\(branch)\n".write(toFile: w.root + "/.git/HEAD", atomically: true, encoding: .utf8)
    }

    @Test func aParentThatWroteSinceItsBaseBranchesFromThatBaseBroughtForward() async throws {
        let w = try await BranchCopyTests.parentUp()
        _ = try await BranchCopyTests.upBranch(w)   // the first branch takes the base, with its slot
        let base = try #require(w.docker.volumes.first { $0.name.hasPrefix("shop_postgres-data-base-") })
        #expect(w.docker.slots == [base.labels[CatchUp.anchorLabel] ?? "none"], "\(w.docker.slots) \(base.labels)")
        w.docker.setData("shop_postgres-data", "users: ada, bob")   // the parent writes since
        w.docker.setPresent("postgres", "token-2")
        try Self.checkout(w, "other")
        let before = w.docker.commands.count
        let outcome = try await BranchCopyTests.upBranch(w)
        let steps = w.docker.steps(from: before)
        #expect(w.docker.volumes.filter { $0.name.hasPrefix("shop_postgres-data-base-") }.map(\.name) == [base.name], "no new base: \(steps)")
        #expect(!steps.contains { $0.hasPrefix("run live -> shop_postgres-data-base-") })
        #expect(w.docker.volume("shop-other_postgres-data")?.data == "users: ada, bob", "the branch has the parent's present")
        #expect(w.docker.volume("shop-other_postgres-data")?.labels[StackVolumes.layerBaseLabel] == base.name)
        #expect(outcome.origin?.contains("taken earlier and brought forward to its present (100.0 MiB written since)") == true, "\(outcome.origin ?? "")")
        #expect(w.docker.slots.count == 1, "a branch holds no slot of its own")
    }

    @Test func aCatchUpThatFailsFailsTheBranchAndReleasesTheBasesSlot() async throws {
        let w = try await BranchCopyTests.parentUp()
        _ = try await BranchCopyTests.upBranch(w)
        w.docker.setPresent("postgres", "token-2")
        w.docker.failCatchUps()
        try Self.checkout(w, "other")
        await #expect(throws: (any Error).self) { _ = try await BranchCopyTests.upBranch(w) }
        #expect(w.docker.slots.isEmpty, "the base's slot went: the next branch takes a new base")
        #expect(!w.docker.volumes.contains { $0.name.hasPrefix("shop-other_") }, "nothing of the branch is left")
        #expect(!FileManager.default.fileExists(atPath: BranchCopyJournal.path(stateDir: BranchCopyTests.stateDir(w, "shop-other"))))
        _ = try await BranchCopyTests.upBranch(w)   // again: a new base
        #expect(w.docker.volumes.filter { $0.name.hasPrefix("shop_postgres-data-base-") }.count == 2 && w.docker.slots.count == 1)
    }

    @Test func theBackgroundRefreshIsThisBinarysHiddenCommand() {
        #expect(BaseRefresh.command(executable: "/usr/bin/devenv", parent: "shop", service: "postgres", after: 42).argv
                == ["/usr/bin/devenv", "refresh-base", "--stack", "shop", "--service", "postgres", "--after", "42"])
        #expect(BaseRefresh.threshold([:]) == 64 << 20 && BaseRefresh.threshold(["DEVENV_BASE_REFRESH_BYTES": "0"]) == 0)
    }
}
