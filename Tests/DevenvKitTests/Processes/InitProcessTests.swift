import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `devenv init`: processes recognised from what a folder holds, and the alwrity team's
/// hand-kept compose file carried over (golden: Fixtures/init/alwrity/devenv.yml.expected).
@Suite struct InitProcessTests {
    static let fixture = TestSupport.fixtures + "/init/alwrity"

    /// A copy of `from` (or an empty folder) with `files` written in it.
    static func folder(copying from: String? = nil, _ files: [String: String] = [:]) throws -> String {
        let dir = TestSupport.tempDir("init")
        if let from {
            for f in try FileManager.default.subpathsOfDirectory(atPath: from) where !f.hasSuffix(".expected") {
                var isDir: ObjCBool = false
                FileManager.default.fileExists(atPath: from + "/" + f, isDirectory: &isDir)
                if isDir.boolValue { try FileManager.default.createDirectory(atPath: dir + "/" + f, withIntermediateDirectories: true) }
                else { try FileManager.default.copyItem(atPath: from + "/" + f, toPath: dir + "/" + f) }
            }
        }
        for (path, text) in files {
            try FileManager.default.createDirectory(atPath: (dir + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: dir + "/" + path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    static func initialise(_ dir: String, services: [String]? = nil) async throws -> String {
        let ctx = DevenvContext(cwd: dir, environment: ["HOME": dir, "DEVENV_HOME": dir + "/.home"], output: .capturing(), runner: ProcessRunner())
        return try await InitOperation(services: services, name: nil, force: false).run(ctx).text
    }

    @Test func alwritysComposeFileIsCarriedOver() async throws {
        let dir = try Self.folder(copying: Self.fixture)
        let text = try await Self.initialise(dir)
        let golden = Self.fixture + "/devenv.yml.expected"
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] != nil { try text.write(toFile: golden, atomically: true, encoding: .utf8) }
        #expect(text == (try String(contentsOfFile: golden, encoding: .utf8)))
        #expect(text.contains("db: {kind: postgres, version: \"15\", databases: [alwrity]}"))
        #expect(text.contains("DATABASE_URL: \"postgresql://{{db.user}}:{{db.password}}@{{db.host}}:{{db.port}}/alwrity\"") && text.contains("REACT_APP_API_URL: \"http://localhost:{{ports.backend}}\""))
        #expect(try ProcessSpecTests.problems(text, root: dir).isEmpty, "the written manifest is valid as it stands")
        let m = try TestSupport.parse(text, file: dir + "/devenv.yml")
        #expect(m.processes.map(\.name) == ["backend", "frontend"] && m.processes[0].depends == ["db"])
        #expect(m.appPorts == [AppPort(name: "backend", port: 8000), AppPort(name: "frontend", port: 3000)])
    }

    /// Without the app's folders, its services stay containers built from them, as compose has them:
    /// their ports and env carried, a browser's address to the backend following its port.
    @Test func withoutItsBuildFoldersTheComposeFileStillGivesPortsAndEnv() async throws {
        let dir = try Self.folder([:])
        try FileManager.default.copyItem(atPath: Self.fixture + "/docker-compose.yml", toPath: dir + "/docker-compose.yml")
        let text = try await Self.initialise(dir)
        #expect(!text.contains("\nprocesses:") && !text.contains("not carried"))
        #expect(text.contains("#   frontend → generic (built)") && text.contains("#   warning: frontend: kept as a container built from frontend/, which is not in this folder yet"), "\(text)")
        #expect(text.contains("  backend:\n    build: ./backend\n    env:\n      DATABASE_URL: \"postgresql://{{db.user}}:{{db.password}}@db:5432/alwrity\"\n    ports: {main: 8000}\n    depends_on: [db]"), "\(text)")
        #expect(text.contains("REACT_APP_API_URL: \"http://localhost:{{backend.ports.main}}\""), "\(text)")
        #expect(try ProcessSpecTests.problems(text, root: dir).isEmpty, "\(text)")
    }

    @Test func recognisesNodePythonRustAndProcfileProjects() async throws {
        let dir = try Self.folder([
            "web/package.json": #"{"scripts": {"dev": "vite", "build": "vite build"}}"#,
            "web/bun.lockb": "",
            "api/pyproject.toml": "[tool.poetry]\nname = \"api\"\n[tool.poetry.dependencies]\nfastapi = \"*\"\nuvicorn = \"*\"\n",
            "api/src/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "engine/Cargo.toml": "[package]\nname = \"engine\"\n",
            "node_modules/x/package.json": #"{"scripts": {"dev": "x"}}"#,
            "docs/readme.md": "",
        ])
        let found = InitProcesses.detect(root: dir, taken: ["redis"])
        #expect(found.map(\.name) == ["api", "engine", "web"])
        #expect(found[0].run == "poetry run uvicorn src.main:app --reload --port {{ports.api}}" && found[0].cwd == "api")
        #expect(found[1].run == "cargo run")
        #expect(found[2].run == "bun run dev --port {{ports.web}}")
        let procfile = InitProcesses.procfileEntries("web: bundle exec puma -p $PORT\nworker: bundle exec sidekiq\n# comment\n")
        #expect(procfile.map(\.name) == ["web", "worker"] && procfile[0].listens && !procfile[1].listens)

        let text = try await Self.initialise(dir, services: ["redis"])
        #expect(text.contains("ports: {api: auto, engine: auto, web: auto}"), "\(text)")
        #expect(text.contains("    run: \"bun run dev --port {{ports.web}}\"\n    cwd: web"))
        #expect(try ProcessSpecTests.problems(text, root: dir).isEmpty, "\(text)")
    }

    @Test func eachKindsInitSettingsCarryTheDatabaseOver() async throws {
        let dir = try Self.folder(["compose.yaml": """
        services:
          mysql: { image: "mysql:8.4", environment: { MYSQL_DATABASE: shop, MYSQL_ROOT_PASSWORD: x } }
          mongo: { image: "mongo:7.0", environment: [MONGO_INITDB_DATABASE=events] }
          cache: { image: "redis:7" }
        """])
        let text = try await Self.initialise(dir)
        #expect(text.contains("mysql: {version: \"8.4\", databases: [shop]}") && text.contains("mongo: {kind: mongodb, version: \"7.0\", databases: [events]}")
                && text.contains("cache: {kind: redis, version: \"7\"}"), "\(text)")
    }

    @Test func aPackageJsonStartScriptUsesThePackageManagerOfItsLockfile() throws {
        let dir = try Self.folder(["package.json": #"{"scripts": {"start": "next start"}}"#, "pnpm-lock.yaml": ""])
        let p = try #require(InitProcesses.detect(folder: dir, cwd: nil, name: nil))
        #expect(p.name == "web" && p.run == "pnpm start" && p.listens)
    }
}
