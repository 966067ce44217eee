import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `processes:` and `ports: { NAME: auto }` in devenv.yml: what is read, and every problem at
/// once, at its line and column.
@Suite struct ProcessSpecTests {
    /// The manifest's problems, the loader's and the cross-section checks', for a project at `root`.
    static func problems(_ yaml: String, root: String) throws -> [ManifestProblem] {
        let kinds = try TestSupport.templates()
        let (m, problems) = ManifestLoader(kinds: kinds).read(yaml, file: root + "/devenv.yml")
        guard let m else { return problems }
        let identity = StackIdentity(project: m.name, root: root, branch: nil)
        return problems + SpecValidation.run(m, kinds: kinds, identity: identity, imageMap: ImageMap()).problems
    }

    static func project(folders: [String]) -> String {
        let root = TestSupport.tempDir("proc-spec")
        for f in folders { try? FileManager.default.createDirectory(atPath: root + "/" + f, withIntermediateDirectories: true) }
        return root
    }

    @Test func readsEveryKeyAndTheShortForm() throws {
        let m = try TestSupport.parse("""
        services:
          mongodb: {}
        ports: { api: 8000, web: auto }
        env:
          my_flow_api/.env: { MONGODB_URL: "{{mongodb.url}}" }
        processes:
          api:
            run: poetry run uvicorn src.main:app --port {{ports.api}}
            cwd: my_flow_api
            env: my_flow_api/.env
            ready: { http: health }
            depends: [mongodb]
          web: bun run dev --port {{ports.web}}
          worker:
            run: [python3, -m, worker, --concurrency, 2]
            ready: { tcp: api }
        """)
        #expect(m.appPorts == [AppPort(name: "api", port: 8000), AppPort(name: "web", port: nil)])
        #expect(m.processes.map(\.name) == ["api", "web", "worker"])
        let api = m.processes[0]
        #expect(api.run == .shell("poetry run uvicorn src.main:app --port {{ports.api}}"))
        #expect(api.cwd == "my_flow_api" && api.envFiles == ["my_flow_api/.env"] && api.depends == ["mongodb"])
        #expect(api.ready == .http(path: "/health"))
        #expect(m.processes[1].run == .shell("bun run dev --port {{ports.web}}"))
        #expect(m.processes[2].run == .argv(["python3", "-m", "worker", "--concurrency", "2"]))
        #expect(m.processes[2].ready == .tcp(port: "api"))
    }

    @Test func reportsEveryProblemAtItsPlace() throws {
        let root = Self.project(folders: ["api"])
        let problems = try Self.problems("""
        services:
          postgres: {}
        ports: { api: 8000, web: auto, bad: nope }
        env:
          api/.env: { DATABASE_URL: "{{postgres.url}}" }
        processes:
          api:
            run: uvicorn main:app --port {{ports.apii}}
            cwdd: api
            depends: [postgress, web]
          web:
            run: npm run dev
            cwd: frontend
            env: web/.env
            depends: [worker]
          worker:
            run: [python3, worker.py]
            ready: { tcp: metrics }
            depends: [web]
          postgres: { run: "echo clash" }
          job: { ready: { http: / } }
          lint:
            run: ruff check
            ready: /health
        """, root: root)
        let text = problems.map(\.description)
        func has(_ prefix: String, _ words: String) -> Bool { text.contains { $0.hasPrefix(prefix) && $0.contains(words) } }
        #expect(has("3:37:", "or 'auto' for one from the stack's block, found 'nope'"), "\(text)")
        #expect(has("8:10:", "unknown template key '{{ports.apii}}'") && has("8:10:", "did you mean 'ports.api'"), "\(text)")
        #expect(has("9:5:", "unknown key 'cwdd'") && has("9:5:", "did you mean 'cwd'"), "\(text)")
        #expect(has("10:14:", "depends on 'postgress', which is no service or process; did you mean 'postgres'?"), "\(text)")
        #expect(has("13:10:", "cwd 'frontend' of process 'web' is not a folder"), "\(text)")
        #expect(has("14:10:", "'web/.env', which is not a file under env:"), "\(text)")
        #expect(has("15:14:", "processes depend on each other in a circle: web → worker → web"), "\(text)")
        #expect(has("18:12:", "names port 'metrics', which is not under ports:"), "\(text)")
        #expect(has("20:3:", "process 'postgres' has the name of a service"), "\(text)")
        #expect(has("21:3:", "process 'job' needs 'run:'"), "\(text)")
        #expect(has("24:12:", "checked over http but has no port"), "\(text)")
        #expect(problems.count == 11, "\(text)")
    }

    @Test func processCommandsAreHostCommandsToTrust() throws {
        let m = try TestSupport.parse("services:\n  redis: {}\nprocesses:\n  web: npm run dev\n  worker: { run: [python3, worker.py] }\n")
        #expect(TrustOperation.hostCommands(m) == [.init(place: "processes.web.run", argv: ["npm run dev"]),
                                                   .init(place: "processes.worker.run", argv: ["python3", "worker.py"])])
    }

    @Test func anAutoPortComesFromTheStacksBlockAndAPinnedOneStays() throws {
        let home = TestSupport.tempDir("proc-ports")
        let m = try TestSupport.parse("""
        services:
          redis: {}
        ports: { web: auto, api: 8000 }
        processes:
          web: { run: "npm run dev" }
          api: { run: "uvicorn main:app --port {{ports.api}}" }
        """, file: home + "/p/devenv.yml")
        let requests = StackPlanner(kinds: try TestSupport.templates(), imageMap: ImageMap()).portRequests(m)
        #expect(requests.contains(PortRequest(key: "app.web", pinned: nil)))
        #expect(requests.contains(PortRequest(key: "app.api", pinned: 8000)))
        let plan = try TestSupport.plan(m, identity: StackIdentity(project: "p", root: home + "/p", branch: nil), secrets: [:], home: home)
        let web = try #require(plan.appPorts["web"])
        #expect(web != 0 && web != 8000 && PortRange.default.lower <= web && web <= PortRange.default.upper)
        #expect(plan.appPorts["api"] == 8000)
        #expect(plan.templateContext["ports"] as? [String: String] == ["web": String(web), "api": "8000"])
    }
}
