import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Each branch stack gets its own credentials: the `rotate:` step's command (built-in postgres),
/// its validation, which services keep their parent's secrets, and what `up` says.
@Suite struct RotateStepTests {
    static let manifest = """
    name: shop
    isolation: branch
    services:
      postgres: { version: "15" }
      redis: { version: "7" }
      rabbitmq: {}
    """

    static func plan(root: String = "/src/shop") throws -> StackPlan {
        let m = try TestSupport.parse(manifest, file: root + "/devenv.yml")
        return try TestSupport.plan(m, identity: StackIdentity(project: "shop", root: root, branch: "feature/x"),
                                    secrets: ["postgres": ["password": "newPG123"], "redis": ["password": "newRD123"],
                                              "rabbitmq": ["password": "parentRB"]],
                                    home: TestSupport.tempDir("home"))
    }

    @Test func postgresRotatesInSingleUserModeInAThrowawayContainerWithTheNewPasswordByName() throws {
        let plan = try Self.plan()
        let pg = try #require(plan.service("postgres"))
        let kind = try #require(pg.kind)
        guard case .run(let argv, let env)? = kind.rotate else { Issue.record("postgres has no rotate.run"); return }
        let old = try ServiceContext.build(pg.spec, kind: kind, identity: plan.identity, image: pg.image, ports: pg.ports,
                                           secrets: ["password": "oldPG456"]).context
        let context = RotateCommand.context(new: pg.context, old: old, dataPath: "/var/lib/postgresql/data")
        let c = try RotateCommand.build(argv: argv, env: env, context: context, templates: kind.templates, image: pg.image, volume: "shop-x_postgres-data",
                                        dataPath: "/var/lib/postgresql/data", labels: [("dev.devenv.task", "branch-rotate")])
        #expect(Array(c.argv.prefix(13)) == ["docker", "run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "sh",
                                             "--label", "dev.devenv.task=branch-rotate", "-e", "NEW_PASSWORD"])
        #expect(Array(c.argv[13...16]) == ["-v", "shop-x_postgres-data:/var/lib/postgresql/data", "postgres:15", "-c"])
        #expect(Array(c.argv.suffix(3)) == ["sh", "/var/lib/postgresql/data", "devenv"])
        let script = c.argv[17]
        #expect(script.contains("ALTER ROLE") && script.contains("postgres --single"), "single-user mode: no server, no login")
        #expect(script.contains("log_min_error_statement=panic") && script.contains("grep -v -e 'STATEMENT: ' -e PASSWORD"),
                "a failure's output never shows the statement that holds the password")
        #expect(c.environment == ["NEW_PASSWORD": "newPG123"])
        let line = c.argv.joined(separator: " ")
        #expect(!line.contains("oldPG456") && !line.contains("newPG123"), "no password in the argv")
    }

    @Test func mariadbAndMysqlSetEveryAccountsPasswordWithoutGrantTablesAndTheValuesByName() throws {
        for kind in ["mariadb", "mysql"] {
            let m = try TestSupport.parse("name: shop\nservices:\n  db: { kind: \(kind) }\n", file: "/src/shop/devenv.yml")
            let plan = try TestSupport.plan(m, identity: StackIdentity(project: "shop", root: "/src/shop", branch: "feature/x"),
                                            secrets: ["db": ["password": "newUSER1", "root_password": "newROOT1"]], home: TestSupport.tempDir("home"))
            let db = try #require(plan.service("db"))
            guard case .run(let argv, let env)? = db.kind?.rotate else { Issue.record("\(kind) has no rotate.run"); continue }
            let context = RotateCommand.context(new: db.context, old: [:], dataPath: "/var/lib/mysql")
            let c = try RotateCommand.build(argv: argv, env: env, context: context, templates: try #require(db.kind).templates, image: db.image, volume: "shop-x_db-data",
                                            dataPath: "/var/lib/mysql", labels: [])
            #expect(Array(c.argv.prefix(14)) == ["docker", "run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "sh",
                                                 "-e", "NEW_PASSWORD", "-e", "NEW_ROOT_PASSWORD", "-v"], "\(kind)")
            #expect(Array(c.argv.suffix(3)) == ["sh", "/var/lib/mysql", "devenv"])
            #expect(c.argv[17].contains("--skip-grant-tables") && c.argv[17].contains("ALTER USER"))
            #expect(c.environment == ["NEW_PASSWORD": "newUSER1", "NEW_ROOT_PASSWORD": "newROOT1"])
            #expect(!c.argv.joined(separator: " ").contains("newUSER1") && !c.argv.joined(separator: " ").contains("newROOT1"))
        }
    }

    @Test func mongodbUpdatesTheUserOnACopyServedWithoutAuthTheUserAndPasswordByName() throws {
        let m = try TestSupport.parse("name: shop\nservices:\n  mongodb: {}\n", file: "/src/shop/devenv.yml")
        let plan = try TestSupport.plan(m, identity: StackIdentity(project: "shop", root: "/src/shop", branch: "feature/x"),
                                        secrets: ["mongodb": ["password": "newMONGO1"]], home: TestSupport.tempDir("home"))
        let s = try #require(plan.service("mongodb"))
        guard case .run(let argv, let env)? = s.kind?.rotate else { Issue.record("mongodb has no rotate.run"); return }
        let c = try RotateCommand.build(argv: argv, env: env, context: RotateCommand.context(new: s.context, old: [:], dataPath: "/data/db"),
                                        templates: try #require(s.kind).templates, image: s.image, volume: "shop-x_mongodb-data", dataPath: "/data/db", labels: [])
        #expect(Array(c.argv.prefix(16)) == ["docker", "run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "sh",
                                             "-e", "ROTATE_USER", "-e", "NEW_PASSWORD", "-v", "shop-x_mongodb-data:/data/db", s.image])
        #expect(c.argv[17].contains("updateUser: process.env.ROTATE_USER, pwd: process.env.NEW_PASSWORD"))
        #expect(Array(c.argv.suffix(2)) == ["sh", "/data/db"])
        #expect(c.environment == ["ROTATE_USER": "devenv", "NEW_PASSWORD": "newMONGO1"])
        #expect(!c.argv.joined(separator: " ").contains("newMONGO1"))
    }

    @Test func redisAndValkeyNeedNothingRunAndOtherKindsHaveNoStep() throws {
        let plan = try Self.plan()
        #expect(plan.service("redis")?.kind?.rotate == .config)
        #expect(try TestSupport.templates().kinds["valkey"]?.rotate == .config)
        #expect(plan.service("rabbitmq")?.kind?.rotate == nil)
        #expect(BranchCredentials.keepingParent(plan) == ["rabbitmq"], "data and secrets, no rotate: keeps the parent's")
    }

    @Test func theBranchKeepsItsOwnSecretsNeverItsParents() {
        let parent: Credentials.Store = ["postgres": ["password": "P1"], "redis": ["password": "R1"], "rabbitmq": ["password": "Q1"]]
        let branch: Credentials.Store = ["postgres": ["password": "P2"], "redis": ["password": "R1"], "rabbitmq": ["password": "Q2"]]
        let out = BranchCredentials.store(branch: branch, parent: parent, keep: ["rabbitmq"])
        #expect(out["postgres"] == ["password": "P2"], "its own stays")
        #expect(out["redis"] == nil, "equal to the parent's (a copied file): dropped, so the claim draws a new one")
        #expect(out["rabbitmq"] == ["password": "Q1"], "a kind that cannot rotate takes the parent's, as its data does")
        #expect(BranchCredentials.store(branch: [:], parent: parent, keep: []) == [:], "a new branch: the claim draws every secret")
    }

    @Test func upSaysWhichServicesGotTheirOwnPasswords() {
        let lines = BranchCredentials.summary([("postgres", .rotated(0.84)), ("redis", .config), ("rabbitmq", .kept)],
                                              stack: "shop-x", parent: "shop-main")
        #expect(lines == [
            "Passwords of shop-x (shop-main's .env does not log in here, nor this one there, unless said):",
            "  postgres  own password set in the copied data in 0.8s",
            "  redis     own password (its configuration carries it; the data holds none)",
            "  rabbitmq  warning: still takes shop-main's password: its kind has no `rotate:` step to change it in the copied data",
        ])
        #expect(BranchCredentials.summary([], stack: "shop-x", parent: "shop-main").isEmpty)
    }

    @Test func aPendingRotationRunsOnlyForServicesThatAreNotRunning() throws {
        let plan = try Self.plan(root: TestSupport.tempDir("shop"))
        func container(_ service: String, _ state: String) throws -> ContainerInfo {
            try JSONDecoder().decode(ContainerInfo.self, from: Data(#"{"Id":"\#(service)","State":"\#(state)","Labels":{"com.docker.compose.service":"\#(service)"}}"#.utf8))
        }
        #expect(BranchCredentials.pendingServices(plan, containers: []) == ["postgres"], "redis (config) and rabbitmq (no step) run nothing")
        #expect(BranchCredentials.pendingServices(plan, containers: [try container("postgres", "created")]) == ["postgres"])
        #expect(BranchCredentials.pendingServices(plan, containers: [try container("postgres", "running")]).isEmpty,
                "a running server's data is never opened by a second one")
        #expect(BranchCredentials.pending(plan) == nil)
        try BranchCredentials.markPending(plan, parent: "shop-main")
        #expect(BranchCredentials.pending(plan) == "shop-main")
        BranchCredentials.clearPending(plan)
        #expect(BranchCredentials.pending(plan) == nil)
    }

    static func load(_ rotate: String, data: Bool = true) throws -> [ManifestProblem] {
        var service = try #require(BuiltinKinds.files["redis/service.yml"]).replacingOccurrences(of: "\nrotate: config", with: "\n#")
        if !data { service = service.replacingOccurrences(of: "\ndata: /data", with: "\n#") }
        service += "\nrotate:\n" + rotate
        guard case .failure(let error) = KindLoader.load(name: "redis", folder: "/k/redis", serviceYAML: service,
                                                         composeYAML: try #require(BuiltinKinds.files["redis/compose.yml"])) else { return [] }
        return error.problems
    }

    @Test func aRotateStepIsValidatedWhenTheKindLoads() throws {
        #expect(try Self.load("  run: [sh, -c, 'x \"$P\"']\n  env: { P: \"{{old.password}}\" }\n").isEmpty)
        let leak = try Self.load("  run: [redis-cli, \"{{password}}\", \"{{old.url}}\", \"{{secret.password}}\"]\n")
        #expect(leak.filter { $0.message.contains("would put a secret in an argv") }.count == 3, "\(leak)")
        #expect(try Self.load("  run: [x, \"{{old.nope}}\"]\n").contains { $0.message.contains("unknown template key '{{old.nope}}' in rotate") })
        #expect(try Self.load("  env: { A: b }\n").contains { $0.message.contains("rotate needs 'run:'") })
        #expect(try Self.load("  run: [x]\n", data: false).contains { $0.message.contains("rotate.run needs 'data:'") })
        #expect(try Self.load("  rn: [x]\n").contains { $0.message.contains("unknown key 'rn' in rotate") })
        var bogus = try #require(BuiltinKinds.files["redis/service.yml"]).replacingOccurrences(of: "rotate: config", with: "rotate: sometimes")
        bogus += ""
        guard case .failure(let e) = KindLoader.load(name: "redis", folder: "/k/redis", serviceYAML: bogus,
                                                     composeYAML: try #require(BuiltinKinds.files["redis/compose.yml"])) else {
            Issue.record("rotate: sometimes loaded"); return
        }
        #expect(e.problems.contains { $0.message.contains("rotate must be 'config'") })
    }
}

/// A `.env` value pointing at another stack: another stack's port or password.
@Suite struct EnvStackMismatchTests {
    static let planned: [(key: String, value: String)] = [
        ("DATABASE_URL", "postgres://devenv:mineA1b2c3@127.0.0.1:26110/app"), ("PGPORT", "26110"),
        ("REDIS_URL", "redis://default:mineR1r2r3@127.0.0.1:26111/0"), ("API_URL", "http://localhost:26112"),
    ]

    @Test func aValueWithAnotherStacksPortOrPasswordIsNamed() {
        let actual = [
            "DATABASE_URL": "postgres://devenv:theirsP1p2@127.0.0.1:26010/app",   // their port and password: the port names it
            "PGPORT": "26010",
            "REDIS_URL": "redis://default:theirsR9r8@127.0.0.1:26111/0",       // our port, their password
            "API_URL": "http://localhost:26112",                                 // ours
            "OTHER": "26010",                                                    // not a managed key
        ]
        let found = EnvStackMismatch.find(file: "api/.env", planned: Self.planned, actual: actual,
                                          ports: [26010: "shop-main", 26011: "shop-main"],
                                          secrets: ["theirsP1p2": "shop-main", "theirsR9r8": "shop-y"])
        #expect(found == [
            EnvStackMismatch(file: "api/.env", key: "DATABASE_URL", stack: "shop-main", via: "port 26010"),
            EnvStackMismatch(file: "api/.env", key: "PGPORT", stack: "shop-main", via: "port 26010"),
            EnvStackMismatch(file: "api/.env", key: "REDIS_URL", stack: "shop-y", via: "password"),
        ])
        #expect(found[0].summary == "api/.env: DATABASE_URL points at stack shop-main (port 26010)")
    }

    @Test func aPersonsOwnValueOrAnUpToDateOneIsNotAMismatch() {
        let mine = Dictionary(Self.planned.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        #expect(EnvStackMismatch.find(file: ".env", planned: Self.planned, actual: mine, ports: [26110: "x"], secrets: ["mineA1b2c3": "x"]).isEmpty,
                "equal to the plan: never flagged")
        let edited = ["DATABASE_URL": "postgres://me:secret@db.internal:5432/app", "PGPORT": "5432"]
        #expect(EnvStackMismatch.find(file: ".env", planned: Self.planned, actual: edited, ports: [26010: "shop-main"], secrets: [:]).isEmpty,
                "a value of the person's own that names no other stack")
    }

    @Test func portsAreTheWholeValueOrAHostPortNotAPassword() {
        #expect(EnvStackMismatch.hostPorts("26010") == [26010])
        #expect(EnvStackMismatch.hostPorts("postgres://u:26011@127.0.0.1:26010/app?x=1") == [26010])
        #expect(EnvStackMismatch.hostPorts("http://localhost:3000") == [3000])
        #expect(EnvStackMismatch.hostPorts("redis://default:pw@host:6379/0") == [6379])
        #expect(EnvStackMismatch.hostPorts("u:12345@") == [])
        #expect(EnvStackMismatch.hostPorts("99999") == [])
    }
}
