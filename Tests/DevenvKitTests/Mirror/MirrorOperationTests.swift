import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// A runner answering every command with one result (or failing to start), recording the commands.
final class ScriptedRunner: ProcessRunning, @unchecked Sendable {
    var result: CommandResult?
    private(set) var commands: [Command] = []
    private let lock = NSLock()

    init(stdout: String, status: Int32 = 0) { result = CommandResult(status: status, stdout: stdout, stderr: "") }
    init(notFound: ()) { result = nil }

    func capture(_ command: Command) async throws -> CommandResult {
        lock.withLock { commands.append(command) }
        guard let result else { throw DevenvError("cannot run `\(command.executable)`: not found") }
        return result
    }
    func attach(_ command: Command) async throws -> Int32 { 0 }
}

/// `MirrorOperation` on a temp project, staging answered by `ScriptedRunner`.
@Suite("Mirror: the operation")
struct MirrorOperationTests {
    static let railway = """
    {"DATABASE_URL": "postgres://app:StagingPgPw@db.abc.rds.amazonaws.com:5432/shop?sslmode=require",
     "REDIS_URL": "rediss://default:StagingRedisPw@master.x.cache.amazonaws.com:6379/0",
     "STRIPE_SECRET_KEY": "sk_live_51StagingStripeSecretXX", "CORS_ORIGINS": "https://app.staging.shop.dev",
     "bad-name": "x", "RAILWAY_PUBLIC_DOMAIN": "shop.up.railway.app"}
    """
    static let stagingSecrets = ["StagingPgPw", "StagingRedisPw", "sk_live_51StagingStripeSecretXX"]

    struct Project {
        let root: String
        let ctx: DevenvContext
        let runner: ScriptedRunner
        func read(_ path: String) -> String? { try? String(contentsOfFile: root + "/" + path, encoding: .utf8) }
        func write(_ path: String, _ text: String) throws {
            try FileManager.default.createDirectory(atPath: ((root + "/" + path) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: root + "/" + path, atomically: true, encoding: .utf8)
        }
    }

    func project(_ staging: String, env: String = "env:\n  api/.env: { DATABASE_URL: \"{{postgres.url}}\" }\n  web/.env: { API: x }\n",
                 runner: ScriptedRunner = ScriptedRunner(stdout: railway)) throws -> Project {
        let root = TestSupport.tempDir("mirror-op")
        let home = TestSupport.tempDir("mirror-home")
        let manifest = "name: shop\nservices:\n  postgres: { version: \"15\", databases: [shop] }\n  redis: { version: \"7\" }\n" + env + staging
        try manifest.write(toFile: root + "/devenv.yml", atomically: true, encoding: .utf8)
        let environment = ["DEVENV_HOME": home, "DEVENV_CONFIG_HOME": home, "DEVENV_TEMPLATES": TestSupport.repoRoot + "/templates",
                           "DEVENV_PORT_RANGE": "24000-24999", "HOME": home]
        let ctx = DevenvContext(cwd: root, environment: environment, output: Output(environment: environment, interactive: false), runner: runner)
        return Project(root: root, ctx: ctx, runner: runner)
    }

    static let railwayStaging = "staging:\n  from: { preset: railway, environment: staging, service: api }\n  rewrite: { app.staging.shop.dev: \"localhost:3000\" }\n  local: [MINE]\n"

    func options(_ change: (inout MirrorOperation.Options) -> Void = { _ in }) -> MirrorOperation.Options {
        var o = MirrorOperation.Options()
        change(&o)
        return o
    }

    @Test func writesTheFirstEnvFileAndALockThroughThePresetCommand() async throws {
        let p = try project(Self.railwayStaging)
        try p.write("api/.env", "MINE=1\n")
        let report = try await MirrorOperation.run(p.ctx, options: options())

        let cmd = try #require(p.runner.commands.first)
        #expect(cmd.argv == ["railway", "variables", "--json", "--environment", "staging", "--service", "api"])
        #expect(cmd.workingDirectory == p.root)
        #expect(report.target == "api/.env")
        let api = try Dotenv.parse(try #require(p.read("api/.env")), file: "api/.env")
        let values = Dictionary(api.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        let plan = try EnvOperation.plan(p.ctx, branch: false, claim: false)
        #expect(values["MINE"] == "1")
        #expect(values["DATABASE_URL"] == plan.service("postgres")?.url, "env: wins and gives the same local URL")
        #expect(values["REDIS_URL"] == plan.service("redis")?.url)
        #expect(values["STRIPE_SECRET_KEY"] == "__SET_ME__STRIPE_SECRET_KEY")
        #expect(values["CORS_ORIGINS"] == "http://localhost:3000")
        #expect(values["bad-name"] == nil && values["RAILWAY_PUBLIC_DOMAIN"] == nil)
        #expect(report.notes.contains { $0.contains("bad-name is not a valid variable name") })
        #expect(report.keys.first { $0.mirrored.key == "DATABASE_URL" }?.envManaged == true)
        #expect(report.keys.first { $0.mirrored.key == "REDIS_URL" }?.action == .added)

        let lock = try #require(p.read(StagingLock.fileName))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        for secret in Self.stagingSecrets { #expect(!lock.contains(secret), "a staging secret is in the lock") }
        for secret in Self.stagingSecrets + plan.services.flatMap({ $0.secrets.values }) {
            #expect(!json.contains(secret), "a secret is in the report")
        }

        let again = try await MirrorOperation.run(p.ctx, options: options())
        #expect(again.keys.allSatisfy { $0.action == .unchanged || $0.action == .omitted })
        #expect(try await MirrorOperation.run(p.ctx, options: options { $0.check = true }).drift.isEmpty)
    }

    @Test func dryRunAndFailingSourcesChangeNothing() async throws {
        let p = try project(Self.railwayStaging)
        _ = try await MirrorOperation.run(p.ctx, options: options { $0.dryRun = true })
        #expect(p.read("api/.env") == nil && p.read(StagingLock.fileName) == nil)

        for (runner, message) in [(ScriptedRunner(stdout: "", status: 1), "exited with status 1"),
                                  (ScriptedRunner(notFound: ()), "could not be started"),
                                  (ScriptedRunner(stdout: "Unauthorized. Please login with `railway login`"), "cannot read"),
                                  (ScriptedRunner(stdout: "{}"), "gave no variables")] {
            let q = try project(Self.railwayStaging, runner: runner)
            try q.write("api/.env", "MINE=1\n")
            await #expect { try await MirrorOperation.run(q.ctx, options: options()) } throws: { error in
                let e = error as? DevenvError
                return e?.exitCode == .failure && e!.message.contains("preset railway") && e!.message.contains(message)
                    && e!.message.contains("nothing was changed")
            }
            #expect(q.read("api/.env") == "MINE=1\n" && q.read(StagingLock.fileName) == nil)
        }
    }

    @Test func targetAndVersionsCommand() async throws {
        let staging = "staging:\n  from: { command: [./bin/env] }\n  target: web/.env\n  versions: { command: [./bin/versions] }\n"
        let p = try project(staging, runner: ScriptedRunner(stdout: "postgres: \"14.9\"\nredis: \"7.2\"\n"))
        // Commands written in the manifest run only once it is trusted (no terminal here: exit 2).
        await #expect { try await MirrorOperation.run(p.ctx, options: options()) } throws: { error in
            let e = error as? DevenvError
            return e?.exitCode == .usage && e!.hint?.contains("devenv trust") == true && e!.details.contains { $0.contains("./bin/env") }
        }
        #expect(p.runner.commands.isEmpty, "nothing ran before trust")
        try ManifestTrust(paths: p.ctx.paths).trust(p.root + "/devenv.yml")
        let report = try await MirrorOperation.run(p.ctx, options: options())
        #expect(p.runner.commands.map(\.executable) == [p.root + "/bin/env", p.root + "/bin/versions"])
        #expect(report.target == "web/.env")
        #expect(p.read("web/.env")?.contains("redis=7.2") == true, "the stand-in prints YAML: read as staging's variables")
        #expect(report.drift.map(\.subject) == ["postgres"], "\(report.drift)")
    }

    @Test func fromLockNeedsALockAndMissingStagingIsAUsageError() async throws {
        let p = try project(Self.railwayStaging)
        await #expect { try await MirrorOperation.run(p.ctx, options: options { $0.fromLock = true }) } throws: { error in
            (error as? DevenvError)?.message.contains("no devenv.staging.lock") == true
        }
        let none = try project("")
        await #expect { try await MirrorOperation.run(none.ctx, options: options()) } throws: { error in
            (error as? DevenvError)?.exitCode == .usage
        }
        let bad = try project("staging:\n  from: { file: s.env }\n  target: api/.evn\n")
        await #expect { try await MirrorOperation.run(bad.ctx, options: options()) } throws: { error in
            let e = error as? DevenvError
            return e?.exitCode == .usage && e!.details.contains { $0.contains("devenv.yml:10:11") && $0.contains("did you mean 'api/.env'") }
        }
    }

    /// A mirrored infrastructure key follows the stack like an env: key: `devenv env` rewrites it
    /// when the stack's value changes, and keeps a value a person set by hand.
    @Test func devenvEnvKeepsMirroredInfrastructureKeysCurrent() async throws {
        let p = try project(Self.railwayStaging)
        _ = try await MirrorOperation.run(p.ctx, options: options())
        let plan = try EnvOperation.plan(p.ctx, branch: false, claim: false)
        let redis = try #require(plan.service("redis")?.url)
        let api = try #require(try EnvStage.targets(plan).first { $0.path == "api/.env" })
        #expect(api.values.map(\.key) == ["DATABASE_URL", "REDIS_URL"], "env: keys, then mirrored infrastructure keys only")
        #expect(try EnvStage.targets(plan, mirrored: false).first?.values.map(\.key) == ["DATABASE_URL"])

        // The stack's Redis moved: what devenv wrote last is stale, and devenv env rewrites it.
        let stale = "redis://default:old@127.0.0.1:1/0"
        try p.write("api/.env", (p.read("api/.env") ?? "").replacingOccurrences(of: redis, with: stale))
        var state = try EnvStage.lastWritten(plan)
        state["api/.env"]?["REDIS_URL"] = stale
        try EnvStage.saveLastWritten(plan, state)
        #expect(try EnvStage.check(plan).contains("api/.env: REDIS_URL is stale"))
        _ = try await EnvStage.write(plan, ctx: p.ctx, force: false)
        #expect(p.read("api/.env")?.contains("REDIS_URL=" + redis) == true)

        // A person's own value is kept, by env and by mirror.
        try p.write("api/.env", (p.read("api/.env") ?? "").replacingOccurrences(of: redis, with: "redis://localhost:6379/5"))
        #expect(try await EnvStage.write(plan, ctx: p.ctx, force: false).contains { $0.contains("kept your value of REDIS_URL") })
        let report = try await MirrorOperation.run(p.ctx, options: options())
        #expect(report.keys.first { $0.mirrored.key == "REDIS_URL" }?.action == .keptLocalValue)
        #expect(p.read("api/.env")?.contains("REDIS_URL=redis://localhost:6379/5") == true)
    }
}
