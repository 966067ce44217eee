import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `up`, `down`, `reset` and `gc` against a simulated engine: what each runs, in which order,
/// what it writes and what it says — without Docker.
@Suite struct OrchestrationTests {
    struct World {
        let root: String, home: String
        let docker: SimulatedDocker
        let output = Output.capturing()
        /// Every world plans the same stack from the same range, each in its own registry; a test
        /// that holds one of its ports for real takes a range of its own.
        let portRange: String
        /// More of devenv's environment (`DEVENV_BRANCH_LAYERS`).
        var environment: [String: String] = [:]
        var prober: any Prober = ReadyProber()
        var ctx: DevenvContext {
            DevenvContext(cwd: root, environment: environment.merging(["DEVENV_HOME": home, "HOME": home, "DEVENV_PORT_RANGE": portRange,
                                                                       "DEVENV_IMAGES_FILE": home + "/none.yml"]) { $1 },
                          output: output, runner: docker, engine: docker, prober: prober, now: { Date(timeIntervalSince1970: 1_800_000_000) })
        }

        init(_ manifest: String, images: Set<String> = [], portRange: String = "30000-30999") throws {
            root = TestSupport.tempDir("orch"); home = TestSupport.tempDir("orch-home")
            self.portRange = portRange
            docker = SimulatedDocker(images: images)
            try manifest.write(toFile: root + "/devenv.yml", atomically: true, encoding: .utf8)
        }
        var stack: String { (root as NSString).lastPathComponent.lowercased() }
    }

    static let manifest = "name: shop\nservices:\n  postgres: { version: \"16\", databases: [shop, shop_test] }\n  redis: {}\n"

    @Test func upClaimsPullsStartsSetsUpAndWritesEnv() async throws {
        let w = try World(Self.manifest, images: ["redis:7"])
        var up = UpOperation()
        up.progress = false
        let outcome = try await up.run(w.ctx)
        #expect(outcome.started)
        let verbs = w.docker.composeVerbs
        #expect(verbs.first == ["pull", "--quiet", "postgres"], "only the missing image is pulled: \(verbs)")
        #expect(verbs.contains(["up", "--detach", "--quiet-pull", "--remove-orphans"]))
        let setup = try #require(w.docker.commands.map(\.arguments).first { $0.first == "exec" })
        let postgres = try #require(try w.docker.containers(project: "shop").first { $0.service == "postgres" })
        #expect(Array(setup.prefix(3)) == ["exec", postgres.id, "sh"], "in the running container, by docker exec")
        #expect(setup.last?.contains("datname = 'shop_test'") == true, "extra databases are created after the start")
        let registry = try Registry.read(DevenvPaths(environment: ["DEVENV_HOME": w.home]).registryFile)
        #expect(registry.stacks["shop"]?.ports.keys.sorted() == ["postgres", "redis"], "up claims the ports")
        let composeMode = try FileManager.default.attributesOfItem(atPath: outcome.plan.composeFile)[.posixPermissions] as? Int
        #expect(composeMode == 0o600, "the compose file holds passwords")
        let env = try String(contentsOfFile: w.root + "/.env", encoding: .utf8)
        #expect(env.contains("DATABASE_URL=postgres://devenv:") && env.contains("/shop\n") && env.contains("REDIS_URL=redis://default:"))
        #expect(outcome.report.services.allSatisfy { $0.health == "ready" })
    }

    @Test func aSecondUpOnAStackUpAsPlannedRunsNoCompose() async throws {
        let w = try World(Self.manifest, images: ["postgres:16", "redis:7"])
        var up = UpOperation()
        up.progress = false
        _ = try await up.run(w.ctx)
        let before = w.docker.commands.count
        let again = try await up.run(w.ctx)
        #expect(!again.started)
        #expect(w.docker.commands.count == before, "\(w.docker.composeVerbs.suffix(3))")
    }

    @Test func statusMapsTheEnginesStatesToRunningStoppedMissing() async throws {
        let w = try World(Self.manifest, images: ["postgres:16", "redis:7"])
        var up = UpOperation()
        up.progress = false
        let stack = try await up.run(w.ctx).plan.identity.stack
        func states() throws -> [String: RunState] {
            Dictionary(uniqueKeysWithValues: try StatusOperation.run(w.ctx, branch: false).1.services.map { ($0.name, $0.state) })
        }
        #expect(try states() == ["postgres": .running, "redis": .running])
        w.docker.setState(.restarting, project: stack, service: "postgres")
        w.docker.setState(.exited, project: stack, service: "redis")
        #expect(try states() == ["postgres": .running, "redis": .stopped], "a restart loop is between runs, not stopped")
        w.docker.setState(.other("hibernating"), project: stack, service: "postgres")
        _ = try await w.docker.capture(Command("docker", ["compose", "--project-name", stack, "--file", "f", "rm", "--force", "redis"]))
        #expect(try states() == ["postgres": .stopped, "redis": .missing], "an unknown engine word is a stop; no container is missing")
        let json = String(decoding: try JSONEncoder().encode(try StatusOperation.run(w.ctx, branch: false).1), as: UTF8.self)
        #expect(json.contains("\"state\":\"stopped\"") && json.contains("\"state\":\"missing\""), "the machine interface keeps its words: \(json)")
    }

    @Test func downKeepsDataAndAsksBeforeDeletingIt() async throws {
        let w = try World(Self.manifest, images: ["postgres:16", "redis:7"])
        var up = UpOperation()
        up.progress = false
        _ = try await up.run(w.ctx)
        try await DownOperation(volumes: false, yes: false, branch: false).run(w.ctx)
        #expect(w.docker.composeVerbs.last == ["down", "--remove-orphans"])
        #expect(w.output.printed.stdout.contains("Stopped stack shop; its data is kept"))
        await #expect(throws: DevenvError.self) { try await DownOperation(volumes: true, yes: false, branch: false).run(w.ctx) }
        #expect(w.docker.composeVerbs.last == ["down", "--remove-orphans"], "nothing deleted without --yes")
        try await DownOperation(volumes: true, yes: true, branch: false).run(w.ctx)
        #expect(w.docker.composeVerbs.last == ["down", "--remove-orphans", "--volumes"])
    }

    @Test func downOfAStackNeverClaimedWritesNothing() async throws {
        let w = try World(Self.manifest)
        try await DownOperation(volumes: false, yes: false, branch: false).run(w.ctx)
        #expect(!FileManager.default.fileExists(atPath: w.home + "/registry.json"))
        #expect(!FileManager.default.fileExists(atPath: w.root + "/.devenv/stacks/shop/compose.yaml"))
        #expect(w.output.printed.stdout.contains("was not running"))
    }

    @Test func resetRemovesOneServicesDataThenBringsItUpAgain() async throws {
        let w = try World(Self.manifest, images: ["postgres:16", "redis:7"])
        var up = UpOperation()
        up.progress = false
        _ = try await up.run(w.ctx)
        w.docker.addVolume("shop_postgres-data", labels: ["dev.devenv.stack": "shop"])
        w.docker.addVolume("shop_redis-data", labels: ["dev.devenv.stack": "shop"])
        let outcome = try #require(try await ResetOperation(service: "postgres", yes: true, branch: false).run(w.ctx))
        #expect(outcome.removed == ["shop_postgres-data"])
        let verbs = w.docker.composeVerbs
        let rm = try #require(verbs.firstIndex(of: ["rm", "--force", "--stop", "--volumes", "postgres"]))
        let volumeRm = try #require(verbs.firstIndex { $0.starts(with: ["volume", "rm"]) })
        let upAgain = try #require(verbs.lastIndex(of: ["up", "--detach", "--quiet-pull", "postgres"]))
        #expect(rm < volumeRm && volumeRm < upAgain, "remove, delete the data, then start: \(verbs)")
        #expect(w.docker.containers.contains { $0.service == "redis" }, "redis is left alone")
    }

    @Test func gcRemovesOnlyStacksWhoseFolderIsGone() async throws {
        let w = try World(Self.manifest)
        let labels = ["dev.devenv.stack": "gone-stack", "dev.devenv.project": "gone", "dev.devenv.root": "/nowhere/gone", "dev.devenv.branch": ""]
        w.docker.addContainer(project: "gone-stack", service: "postgres", state: .exited, labels: labels)
        w.docker.addVolume("gone-stack_postgres-data", labels: labels)
        w.docker.addContainer(project: "alive", service: "redis", labels: ["dev.devenv.stack": "alive", "dev.devenv.project": "alive",
                                                                          "dev.devenv.root": w.root, "dev.devenv.branch": ""])
        let gc = GcOperation(dryRun: true, yes: false)
        try await gc.run(w.ctx)
        #expect(w.output.printed.stdout.contains("gone-stack"))
        #expect(!w.output.printed.stdout.contains("alive"))
        #expect(w.docker.commands.allSatisfy { $0.arguments.first != "rm" }, "a dry run removes nothing")
        try await GcOperation(dryRun: false, yes: true).run(w.ctx)
        #expect(w.docker.commands.contains { $0.arguments.starts(with: ["rm", "--force"]) })
        #expect(w.docker.commands.contains { $0.arguments == ["volume", "rm", "gone-stack_postgres-data"] })
        #expect(w.docker.containers.map(\.project) == ["alive"])
    }

    @Test func gcDeletesTheOldVolumeAnUpgradeKeptAndForgetsIt() async throws {
        let w = try World(Self.manifest)
        let labels = ["dev.devenv.stack": "alive", "dev.devenv.project": "alive", "dev.devenv.root": w.root, "dev.devenv.branch": ""]
        w.docker.addContainer(project: "alive", service: "postgres", labels: labels)
        w.docker.addVolume("alive_postgres-data", labels: labels)
        w.docker.addVolume("alive_postgres-data--g2", labels: labels)
        let now = Date()
        try Registry.update(w.ctx.paths) {   // a stack of this home: gc leaves other homes' kept volumes alone
            $0.stacks["alive"] = Registry.Entry(project: "alive", root: w.root, branch: "", block: 30900, ports: [:],
                                                composeFile: StackPlanner.stateDir(root: w.root, stack: "alive") + "/compose.yaml", created: now, lastUsed: now)
        }
        let stateDir = StackPlanner.stateDir(root: w.root, stack: "alive")
        var g = VolumeGenerations()
        g.volumes["postgres-data"] = .init(current: "alive_postgres-data--g2", version: "17", previous: "alive_postgres-data", previousVersion: "15", service: "postgres")
        try g.save(stateDir: stateDir)

        try await GcOperation(dryRun: true, yes: false).run(w.ctx)
        #expect(w.output.printed.stdout.contains("alive_postgres-data of stack alive: the 15 data of postgres, kept since its upgrade to 17"), "\(w.output.printed.stdout)")
        #expect(w.output.printed.stdout.contains("1 old volume of upgrades"))
        #expect(!w.docker.commands.contains { $0.arguments.starts(with: ["volume", "rm"]) }, "a dry run removes nothing")
        await #expect(throws: DevenvError.self) { try await GcOperation(dryRun: false, yes: false).run(w.ctx) }

        try await GcOperation(dryRun: false, yes: true).run(w.ctx)
        #expect(w.docker.commands.contains { $0.arguments == ["volume", "rm", "alive_postgres-data"] })
        let after = try VolumeGenerations.load(stateDir: stateDir).volumes["postgres-data"]
        #expect(after == .init(current: "alive_postgres-data--g2", version: "17", previous: nil, previousVersion: nil, service: "postgres"),
                "the stack keeps its upgraded data and forgets the old volume")
        #expect(w.docker.containers.map(\.project) == ["alive"], "the stack itself stays")
        try await GcOperation(dryRun: true, yes: false).run(w.ctx)
        #expect(w.output.printed.stdout.contains("no upgrade keeps old data"))
    }
}
