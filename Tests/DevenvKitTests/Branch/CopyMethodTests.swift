import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// How a branch copies each service (live, stopped, idle) and the live copy's command, from
/// the built-in kinds' `copy.live` (templates/services/*/service.yml).
@Suite struct CopyMethodTests {
    static func plan() throws -> StackPlan {
        try BranchPlanTests.plan(root: "/src/shop", branch: "feature/x", home: TestSupport.tempDir("home"))
    }

    static func pair(_ service: String, _ key: String) -> BranchCopy.Pair {
        .init(service: service, key: key, image: "img", from: "shop-main_\(key)", to: "shop-x_\(key)")
    }

    @Test func eachServiceGetsTheMethodItsKindAndStateAllow() {
        let live = Command("docker", ["run"])
        let pairs = [Self.pair("postgres", "postgres-data"), Self.pair("redis", "redis-data"), Self.pair("qdrant", "storage"),
                     Self.pair("pg2", "pg2-data"), Self.pair("pg2", "extra"), Self.pair("bad", "bad-data")]
        let jobs = CopyPlanning.jobs(services: ["postgres", "redis", "qdrant", "pg2", "bad"], pairs: pairs,
                                     running: ["postgres": "c1", "qdrant": "c3", "pg2": "c4", "bad": "c5"],
                                     live: ["postgres": .success(live), "redis": .success(live), "pg2": .success(live),
                                            "bad": .failure(DevenvError("its copy.live could not be rendered"))])
        #expect(jobs.map(\.method) == [.live, .idle, .stopped, .stopped, .stopped])
        #expect(jobs[0].live == live && jobs[0].pairs == [Self.pair("postgres", "postgres-data")])
        #expect(jobs[1].live == nil, "a parent service that is not running is copied as it is")
        #expect(jobs[2].why == nil, "no copy.live: stopped, and the line says its kind has none")
        #expect(jobs[3].why == "its volume extra has no live copy" && jobs[3].pairs.count == 2)
        #expect(jobs[4].why == "its copy.live could not be rendered")
    }

    @Test func postgresCopiesLiveOverTheParentsLoopbackWithThePasswordByName() throws {
        let plan = try Self.plan()
        let pg = try #require(plan.service("postgres"))
        let schema = try #require(pg.kind?.copy)
        let c = try CopyPlanning.liveCommand(schema, context: pg.context, templates: try #require(pg.kind).templates, image: pg.image, parentContainer: "abc123",
                                             target: "shop-x_postgres-data", labels: [("dev.devenv.stack", "shop-x")])
        #expect(Array(c.argv.prefix(14)) == ["docker", "run", "--rm", "--network", "container:abc123", "--user", "0:0", "--entrypoint", "sh",
                                             "--label", "dev.devenv.stack=shop-x", "-e", "PGPASSWORD", "-v"])
        #expect(Array(c.argv[14...16]) == ["shop-x_postgres-data:/target", "postgres:15", "-c"])
        #expect(Array(c.argv.suffix(4)) == ["sh", "127.0.0.1", "5432", "devenv"])
        let script = c.argv[17]
        #expect(script.contains("pg_basebackup --no-password -h \"$1\" -p \"$2\" -U \"$3\" -D /target -X stream -c fast --no-sync"))
        #expect(script.contains("-c fsync=off"), "the copy's recovery runs before the branch starts, without fsync")
        #expect(c.environment == ["PGPASSWORD": "pg"])
        #expect(!c.argv.contains("pg"), "no password in the argv")
        #expect(!c.argv.joined(separator: " ").contains("PGPASSWORD=pg"))
    }

    @Test func postgresReadsTheParentsPresentByExecInItsContainerWithThePasswordByName() throws {
        let plan = try Self.plan()
        let pg = try #require(plan.service("postgres"))
        let schema = try #require(pg.kind?.layered?.current)
        let c = try CopyPlanning.readCommand(schema, context: pg.context, templates: try #require(pg.kind).templates, parentContainer: "abc123")
        #expect(c.argv == ["docker", "exec", "--user", "0:0", "-e", "PGPASSWORD", "abc123", "psql", "-X", "-qtA", "--no-password",
                           "-h", "127.0.0.1", "-p", "5432", "-U", "devenv", "-d", "postgres", "-c", "SELECT txid_current_snapshot()"])
        #expect(c.environment == ["PGPASSWORD": "pg"])
    }

    @Test func redisCopiesLiveWithRedisCliRdbAndTheAuthByName() throws {
        let plan = try Self.plan()
        let r = try #require(plan.service("redis"))
        let c = try CopyPlanning.liveCommand(try #require(r.kind?.copy), context: r.context, templates: try #require(r.kind).templates, image: r.image, parentContainer: "def",
                                             target: "shop-x_redis-data", labels: [])
        #expect(Array(c.argv.prefix(13)) == ["docker", "run", "--rm", "--network", "container:def", "--user", "0:0", "--entrypoint", "sh",
                                             "-e", "REDISCLI_AUTH", "-v", "shop-x_redis-data:/target"])
        #expect(Array(c.argv.suffix(3)) == ["sh", "127.0.0.1", "6379"])
        #expect(c.argv.contains { $0.contains("--rdb \"/target/$dir/$base.1.base.rdb\"") })
        #expect(c.environment == ["REDISCLI_AUTH": "rd"])
        #expect(!c.argv.contains("rd"))
    }

    @Test func kindsWithoutALiveCopyHaveNone() throws {
        let plan = try Self.plan()
        #expect(plan.service("qdrant")?.kind?.copy == nil)
    }
}

/// The postgres kind's setup step runs only when the image did not already do its work.
@Suite struct SetupConditionTests {
    @Test func postgresSetupRunsForMoreDatabasesOrDataFromBefore() throws {
        let plan = try CopyMethodTests.plan()
        let pg = try #require(plan.service("postgres"))
        let when = try #require(pg.kind?.setup.first?.when)
        func holds(_ databases: [String], fresh: Bool) throws -> Bool {
            var ctx = pg.context
            ctx["databases"] = databases
            ctx["fresh"] = fresh
            return try SetupCondition.holds(when, ctx, templates: try #require(pg.kind).templates)
        }
        #expect(try holds(["shop"], fresh: true) == false, "POSTGRES_DB made the only database")
        #expect(try holds(["shop", "shop_test"], fresh: true))
        #expect(try holds(["shop"], fresh: false), "data from before may lack a renamed first database")
        #expect(try SetupCondition.holds("databases", ["databases": ["a"]], templates: CompiledTemplates()))
        #expect(try SetupCondition.holds("databases", ["databases": [String]()], templates: CompiledTemplates()) == false)
        #expect(try SetupCondition.holds(nil, [:], templates: CompiledTemplates()))
    }
}
