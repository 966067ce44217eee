import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Planning processes (commands as argv, environment, ports, order), what `up NAME…` selects,
/// `devenv run`'s environment, and the port check for process ports.
@Suite struct ProcessPlanTests {
    static let manifest = """
    name: shop
    services:
      postgres: {}
      redis: {}
    ports: { api: 8000, web: auto }
    env:
      api/.env: { DATABASE_URL: "{{postgres.url}}", REDIS_URL: "{{redis.url}}" }
      web/.env.local: { NEXT_PUBLIC_API_URL: "http://localhost:{{ports.api}}" }
    processes:
      web:
        run: bun run dev --port {{ports.web}}
        cwd: web
        depends: [api]
      api:
        run: uvicorn main:app --port {{ports.api}}
        cwd: api
        ready: { http: /health }
        depends: [postgres]
      worker:
        run: [./bin/worker, --db, "{{postgres.url}}"]
        cwd: api
        env: [web/.env.local, api/.env]
      all:
        run: env | sort > /dev/null && echo done
    """

    static func plan(_ yaml: String = manifest, home: String = TestSupport.tempDir("proc-plan")) throws -> StackPlan {
        let m = try TestSupport.parse(yaml, file: home + "/shop/devenv.yml")
        return try TestSupport.plan(m, identity: StackIdentity(project: "shop", root: home + "/shop", branch: nil),
                                    secrets: ["postgres": ["password": "pgsecret123"], "redis": ["password": "redissecret1"]], home: home)
    }

    @Test func commandsEnvironmentPortsAndOrder() throws {
        let plan = try Self.plan()
        let root = plan.manifest.root
        let processes = try ProcessPlanner.plan(plan)
        #expect(processes.map(\.name) == ["api", "web", "worker", "all"], "dependencies first")
        let api = processes[0], web = processes[1], worker = processes[2], all = processes[3]
        #expect(api.command.argv == ["/bin/sh", "-c", "exec uvicorn main:app --port 8000"])
        #expect(api.command.workingDirectory == root + "/api")
        #expect(api.command.environment["DATABASE_URL"] == plan.service("postgres")?.url)
        #expect(api.command.environment["PORT"] == "8000")
        #expect(api.command.environment["NEXT_PUBLIC_API_URL"] == nil, "a process in api/ gets api/.env's keys")
        #expect(api.probe == .http(port: 8000, path: "/health") && api.pinned && api.dependsOnServices == ["postgres"])
        let webPort = try #require(plan.appPorts["web"])
        #expect(web.command.argv == ["/bin/sh", "-c", "exec bun run dev --port \(webPort)"])
        #expect(web.command.environment["NEXT_PUBLIC_API_URL"] == "http://localhost:8000" && web.command.environment["DATABASE_URL"] == nil)
        #expect(web.probe == .tcp(port: webPort) && !web.pinned && web.dependsOnProcesses == ["api"])
        #expect(worker.command.executable == root + "/api/bin/worker", "a relative program is found from its folder")
        #expect(worker.command.environment["NEXT_PUBLIC_API_URL"] != nil && worker.command.environment["REDIS_URL"] != nil, "env: lists the files")
        #expect(worker.display == "./bin/worker --db postgres://devenv:****@127.0.0.1:\(plan.service("postgres")!.mainPort!.host)/shop", "secrets are masked")
        #expect(worker.port == nil && worker.probe == nil)
        #expect(all.command.argv == ["/bin/sh", "-c", "env | sort > /dev/null && echo done"], "a pipeline is not exec'd")
        #expect(Set(["DATABASE_URL", "REDIS_URL", "NEXT_PUBLIC_API_URL"]).isSubset(of: all.command.environment.keys), "a process in the root gets every managed key")
    }

    @Test func theFingerprintFollowsCommandAndValues() throws {
        let home = TestSupport.tempDir("proc-plan")
        let a = try ProcessPlanner.plan(try Self.plan(home: home))
        let b = try ProcessPlanner.plan(try Self.plan(home: home))
        #expect(a.map(\.fingerprint) == b.map(\.fingerprint))
        let changed = try ProcessPlanner.plan(try Self.plan(Self.manifest.replacingOccurrences(of: "--port {{ports.api}}", with: "--port {{ports.api}} --reload"), home: home))
        #expect(changed[0].fingerprint != a[0].fingerprint && changed[1].fingerprint == a[1].fingerprint)
        #expect(ProcessPlanner.closure(["web"], of: a).map(\.name) == ["api", "web"])
    }

    @Test func theBackgroundSupervisorIsThisBinarysSuperviseCommand() {
        let c = ProcessesStage.supervisorCommand(executable: "/usr/local/bin/devenv", root: "/src/shop", stack: "shop-feature-x", branch: true, processes: ["api", "web"])
        #expect(c.argv == ["/usr/local/bin/devenv", "supervise", "-C", "/src/shop", "--stack", "shop-feature-x", "--branch", "--", "api", "web"])
    }

    @Test func upNamesSelectServicesAndProcesses() throws {
        let m = try Self.plan().manifest
        let everything = try UpSelection(manifest: m, names: [])
        #expect(everything.services.isEmpty && everything.processes == ["web", "api", "worker", "all"] && everything.named.isEmpty)
        let web = try UpSelection(manifest: m, names: ["web"])
        #expect(web.services.isEmpty && web.processes == ["web"] && web.named == ["web"], "a process alone brings every service up")
        let both = try UpSelection(manifest: m, names: ["redis", "web"])
        #expect(both.services == ["redis", "postgres"], "named services and what the processes need (through api)")
        let servicesOnly = try UpSelection(manifest: m, names: ["redis"])
        #expect(servicesOnly.processes.isEmpty)
        #expect(throws: DevenvError.self) { try UpSelection(manifest: m, names: ["wbe"]) }
        do { _ = try UpSelection(manifest: m, names: ["wbe"]) } catch let e as DevenvError {
            #expect(e.exitCode == .usage && e.message.contains("did you mean 'web'"))
        }
    }

    @Test func runTakesEveryManagedKeyOrOneFile() throws {
        let plan = try Self.plan()
        let all = try RunOperation.environment(plan, file: nil, cwd: plan.manifest.root)
        #expect(all["DATABASE_URL"] == plan.service("postgres")?.url && all["NEXT_PUBLIC_API_URL"] == "http://localhost:8000")
        let api = try RunOperation.environment(plan, file: ".env", cwd: plan.manifest.root + "/api")
        #expect(api.keys.sorted() == ["DATABASE_URL", "REDIS_URL"], "a path from the working directory")
        #expect(try RunOperation.environment(plan, file: "web/.env.local", cwd: plan.manifest.root).keys.sorted() == ["NEXT_PUBLIC_API_URL"])
        #expect(throws: DevenvError.self) { try RunOperation.environment(plan, file: "api/.envv", cwd: plan.manifest.root) }
    }

    @Test func aTakenProcessPortIsAConflictWhenPinnedAndMovesWhenAuto() throws {
        let plan = try Self.plan()
        let web = try #require(plan.appPorts["web"])
        var checked = plan
        var check = PortCheck(engine: nil)
        check.isFree = { $0 != 8000 && $0 != web }
        check.processPorts = ["api": true, "web": false]
        do {
            _ = try check.run(plan: &checked, ours: []) { _ in plan }
            Issue.record("a pinned process port that is taken must fail")
        } catch let e as DevenvError {
            #expect(e.exitCode == .portConflict)
            #expect(e.message.contains("port 8000 (pinned for process api in devenv.yml) is taken by"))
            #expect(e.hint?.contains("devenv ports free 8000") == true)
        }
        check.processPorts = ["web": false]
        var moved = plan
        let outcome = try check.run(plan: &moved, ours: []) { keys in
            #expect(keys == ["app.web"])
            var p = plan
            p.appPorts["web"] = web + 1
            return p
        }
        #expect(outcome.moved.map(\.service) == ["process web"] && outcome.moved.first?.to == web + 1)
        #expect(outcome.appPortWarnings.count == 1, "api's port is only warned about when api is not started")
        #expect(try check.run(plan: &moved, ours: [8000]) { _ in plan }.appPortWarnings.isEmpty, "a port the stack's own supervisor holds is fine")
    }
}
