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
        #expect(CatchUp.quoted("it's") == "'it'\\''s'")
    }

    @Test func theBackgroundRefreshIsThisBinarysHiddenCommand() {
        #expect(BaseRefresh.command(executable: "/usr/bin/devenv", parent: "shop", service: "postgres", after: 42).argv
                == ["/usr/bin/devenv", "refresh-base", "--stack", "shop", "--service", "postgres", "--after", "42"])
        #expect(BaseRefresh.threshold([:]) == 64 << 20 && BaseRefresh.threshold(["DEVENV_BASE_REFRESH_BYTES": "0"]) == 0)
    }
}
