import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvKit
import Foundation
import Testing
import CurrentPlatform

/// The app's own processes (`processes:`) and `devenv run`, end to end: the real binary, the
/// real engine and Postgres, real host processes, reached only on 127.0.0.1. Deadlines bound
/// a hang; nothing is timed.
@Suite(.serialized, .endToEnd) struct ProcessTests {
    static let startup: TimeInterval = 180
    static let recovery: TimeInterval = 60

    /// Reads DATABASE_URL from its environment, asks Postgres through it (psql), then serves
    /// the answer on its port. Prints the URL's port (never the password).
    static let dbcheck = """
    import http.server, os, subprocess, urllib.parse
    url = os.environ["DATABASE_URL"]
    answer = subprocess.run(["psql", url, "-Atc", "select 41 + 1"], capture_output=True, text=True, check=True).stdout.strip()
    print("database port", urllib.parse.urlparse(url).port, "answered", answer, flush=True)
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.end_headers(); self.wfile.write(answer.encode())
        def log_message(self, *args): pass
    http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Answer).serve_forever()
    """

    static let webAndDbcheck = """
    services:
      postgres: { version: "15" }
    ports: { web: auto, dbcheck: auto }
    processes:
      web:
        run: python3 -m http.server {{ports.web}} --bind 127.0.0.1
        ready: { http: / }
      dbcheck:
        run: [python3, dbcheck.py]
        ready: { http: / }
        depends: [postgres]
    """

    /// `GET http://127.0.0.1:PORT/PATH`: the body, or nil when nothing answers.
    static func get(_ port: Int, _ path: String = "/") -> String? {
        let r = try? ProjectFixture.run(["curl", "-sf", "--max-time", "5", "http://127.0.0.1:\(port)\(path)"])
        return r?.status == 0 ? r?.stdout : nil
    }

    static func processes(_ p: ProjectFixture) throws -> [String: [String: Any]] {
        let list = try p.status()["processes"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0) })
    }

    static func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    /// A port for pinning: near the top of the test run's devenv range (which the allocator
    /// hands out from the bottom), free now.
    static func pinnablePort() -> Int {
        let range = (try? PortRange.from(environment: ProcessInfo.processInfo.environment)) ?? .default
        for _ in 0..<100 {
            let p = Int.random(in: (range.upper - 60)...range.upper)
            if PortProbe.isFree(p) { return p }
        }
        return range.upper
    }

    @Test func upWaitsForBothProcessesRestartsAKilledOneAndCtrlCLeavesTheServices() throws {
        try ProjectFixture.with("proc-fg") { p in
            try p.write("dbcheck.py", Self.dbcheck)
            try p.manifest(Self.webAndDbcheck)
            try p.trust()
            let up = try AttachedDevenv(p, ["up"])
            let watching = try #require(up.waitFor("| watching web, dbcheck", timeout: Self.startup), "not watching: \(up.stdout)\n\(up.stderr)")
            #expect(up.stdout.contains("web is ready"), "\(up.stdout)")
            #expect(up.stdout.contains("dbcheck is ready"))
            #expect(up.stdout.contains("dbcheck | database port"), "its lines carry their prefix: \(up.stdout)")

            var procs = try Self.processes(p)
            let webPort = try #require(procs["web"]?["port"] as? Int)
            let dbPort = try #require(procs["dbcheck"]?["port"] as? Int)
            #expect(Self.get(webPort) != nil, "web answers on its port")
            #expect(Self.get(dbPort) == "42", "dbcheck queried Postgres through DATABASE_URL")
            #expect(procs["web"]?["ready"] as? Bool == true && procs["web"]?["state"] as? String == "running")
            let pgURL = try #require(try p.service("postgres")["url"] as? String)
            #expect(try ProjectFixture.run(["sh", "-c", "grep -q '\(pgURL)' .env"], cwd: p.root).status == 0, "the .env files are still written")

            // Killed behind devenv's back: restarted after its backoff, on the same port.
            let firstPid = Int32(try #require(procs["web"]?["pid"] as? Int))
            #expect(kill(firstPid, SIGKILL) == 0)
            let restarting = up.waitFor("web was killed (exit code 137); restarting it in 1s (restart 1 of 5)", after: watching, timeout: Self.recovery)
            #expect(restarting != nil, "\(up.stdout)")
            #expect(up.waitFor("web is ready again", after: restarting ?? watching, timeout: Self.recovery) != nil, "\(up.stdout)")
            procs = try Self.processes(p)
            #expect(procs["web"]?["restarts"] as? Int == 1)
            let secondPid = Int32(try #require(procs["web"]?["pid"] as? Int))
            #expect(secondPid != firstPid)
            #expect(Self.get(webPort) != nil)

            up.signal(SIGINT)
            #expect(up.waitForExit(timeout: Self.recovery) == 0, "\(up.stdout)\n\(up.stderr)")
            #expect(up.stdout.contains("stopped web, dbcheck"), "\(up.stdout)")
            #expect(!Self.alive(secondPid), "Ctrl-C stops the processes")
            #expect(PortProbe.isFree(webPort) && PortProbe.isFree(dbPort))
            #expect(try p.service("postgres")["state"] as? String == "running", "and leaves the services running")
            #expect(try Self.processes(p)["web"]?["state"] as? String == "stopped")
        }
    }

    @Test func detachThenLogsThenStatusThenDown() throws {
        try ProjectFixture.with("proc-bg") { p in
            try p.manifest("""
            services:
              redis: { version: "7" }
            ports: { web: auto }
            processes:
              web: { run: "python3 -m http.server {{ports.web}} --bind 127.0.0.1", ready: { http: / } }
            """)
            try p.trust()
            let up = try p.devenv(["up", "--detach"])
            #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
            #expect(up.stdout.contains("supervisor pid"), "\(up.stdout)")
            let web = try #require(try Self.processes(p)["web"])
            let port = try #require(web["port"] as? Int)
            let pid = Int32(try #require(web["pid"] as? Int))
            #expect(web["state"] as? String == "running" && web["ready"] as? Bool == true && web["restarts"] as? Int == 0)
            #expect(Self.alive(pid))

            // Logs in files: what it printed so far, then, followed, what it prints next.
            let logs = try p.devenv(["logs", "web"])
            #expect(logs.status == 0 && logs.stdout.contains("Serving HTTP on 127.0.0.1 port \(port)"), "\(logs.stdout)\(logs.stderr)")
            let follow = try AttachedDevenv(p, ["logs", "web", "-f"])
            #expect(follow.waitFor("Serving HTTP", timeout: Self.recovery) != nil)
            _ = Self.get(port, "/followed-by-devenv")
            #expect(follow.waitFor("GET /followed-by-devenv", timeout: Self.recovery) != nil, "\(follow.stdout)")
            follow.signal(SIGKILL)

            // `up web` restarts it under the running supervisor: a new pid, no death counted.
            let again = try p.devenv(["up", "web"])
            #expect(again.status == 0 && again.stdout.contains("supervisor that was running already"), "\(again.stdout)\(again.stderr)")
            let restarted = try #require(try Self.processes(p)["web"])
            #expect(restarted["ready"] as? Bool == true && restarted["restarts"] as? Int == 0)
            let newPid = Int32(try #require(restarted["pid"] as? Int))
            #expect(newPid != pid && !Self.alive(pid))
            let table = try p.devenv(["status"])
            #expect(table.stdout.contains("PROCESS") && table.stdout.contains("web") && table.stdout.contains(String(port)), "\(table.stdout)")
            let status = try p.status()
            #expect(status["services"] != nil && status["stack"] as? String == p.name, "the existing keys stay")

            let down = try p.devenv(["down"])
            #expect(down.status == 0, "\(down.stderr)")
            #expect(down.stdout.contains("Stopped processes web."), "\(down.stdout)")
            #expect(!Self.alive(newPid), "down stops the process")
            #expect(PortProbe.isFree(port))
            #expect(try Self.processes(p)["web"]?["state"] as? String == "stopped")
            #expect(try p.containerIDs().isEmpty)
        }
    }

    @Test func aPinnedProcessPortHeldByAStrayProcessExits3AndUpWorksAfterPortsFree() throws {
        try ProjectFixture.with("proc-pin") { p in
            let port = Self.pinnablePort()
            let stray = try ForeignListener(port: port)
            p.onTearDown { stray.stop() }
            try p.manifest("""
            services:
              redis: { version: "7" }
            ports: { api: \(port) }
            processes:
              api: { run: "python3 -m http.server {{ports.api}} --bind 127.0.0.1", ready: { http: / } }
            """)
            try p.trust()
            let refused = try p.devenv(["up", "--detach"])
            #expect(refused.status == 3, "\(refused.stdout)\n\(refused.stderr)")
            #expect(refused.stderr.contains("port \(port) (pinned for process api in devenv.yml)"), "\(refused.stderr)")
            #expect(refused.stderr.contains("pid \(stray.pid)"), "\(refused.stderr)")
            #expect(refused.stderr.contains("devenv ports free \(port)"))

            let ports = try p.devenv(["ports"])
            #expect(ports.stdout.contains(String(port)) && ports.stdout.contains("pid \(stray.pid)"), "\(ports.stdout)")
            let freed = try p.devenv(["ports", "free", String(port), "--yes"])
            #expect(freed.status == 0, "\(freed.stderr)")
            #expect(!stray.process.isRunning)

            let up = try p.devenv(["up", "--detach"])
            #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
            #expect(Self.get(port) != nil, "the process answers on its pinned port")
            let listed = try p.devenv(["ports", "--json"])
            let rows = (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
            let row = rows.first { $0["port"] as? Int == port }
            #expect(row?["service"] as? String == "app.api" && row?["state"] as? String == "listening", "\(listed.stdout)")
            let holder = row?["holder"] as? [String: Any]
            #expect((holder?["pid"] as? Int).map(Int32.init) == (try Self.processes(p)["api"]?["pid"] as? Int).map(Int32.init), "\(listed.stdout)")
            #expect(try p.devenv(["down"]).status == 0)
        }
    }

    @Test func processCommandsRunOnlyFromATrustedManifest() throws {
        try ProjectFixture.with("proc-trust") { p in
            let manifest = """
            services:
              redis: { version: "7" }
            ports: { web: auto }
            processes:
              web: { run: "python3 -m http.server {{ports.web}} --bind 127.0.0.1", ready: { http: / } }
            """
            try p.manifest(manifest)
            let refused = try p.devenv(["up", "--detach"])
            #expect(refused.status == 2, "\(refused.stdout)\n\(refused.stderr)")
            #expect(refused.stderr.contains("devenv trust") && refused.stderr.contains("python3 -m http.server {{ports.web}}"), "\(refused.stderr)")
            #expect(try p.containerIDs().isEmpty, "nothing starts before the manifest is trusted")
            let trust = try p.devenv(["trust"])
            #expect(trust.status == 0 && trust.stdout.contains("processes.web.run"), "\(trust.stdout)\(trust.stderr)")
            #expect(try p.devenv(["up", "--detach"]).status == 0)
            try p.manifest(manifest.replacingOccurrences(of: "--bind 127.0.0.1", with: "--bind 127.0.0.1 --directory ."))
            let changed = try p.devenv(["up", "--detach"])
            #expect(changed.status == 2 && changed.stderr.contains("changed since you trusted it"), "\(changed.stderr)")
            #expect(try p.devenv(["up"]).status == 2, "a plain `up` starts the processes too, so it needs the trust as well")
            #expect(try p.devenv(["up", "redis"]).status == 0, "naming only services runs no host command")
        }
    }

    @Test func runGivesTheCommandTheStacksValuesWritesNothingAndPassesExitCodesThrough() throws {
        try ProjectFixture.with("proc-run") { p in
            try p.manifest("""
            services:
              postgres: { version: "15" }
            env:
              api/.env: { DATABASE_URL: "{{postgres.url}}" }
              web/.env: { API_URL: "http://localhost:8000" }
            """)
            #expect(try p.devenv(["up"]).status == 0)
            try FileManager.default.removeItem(atPath: p.root + "/api/.env")
            let before = try Self.written(p)

            let select = try p.devenv(["run", "--", "sh", "-c", "psql \"$DATABASE_URL\" -Atc \"select 1\""])
            #expect(select.status == 0, "\(select.stderr)")
            #expect(select.stdout == "1\n")
            #expect(try p.devenv(["run", "--", "sh", "-c", "exit 7"]).status == 7)
            #expect(try p.devenv(["run", "--", "no-such-command-here"]).status == 127)
            let piped = try ProjectFixture.run([ProjectFixture.binary, "run", "--", "cat"], cwd: p.root,
                                               env: ["DEVENV_HOME": ProjectFixture.home], stdin: "through stdin\n")
            #expect(piped.stdout == "through stdin\n")
            // A signal that ends the command ends devenv the same way (devenv became the command).
            let signalled = try ProjectFixture.run(["sh", "-c", "\"$0\" run -- sh -c 'kill -TERM $$'; echo \"status $?\"", ProjectFixture.binary],
                                                   cwd: p.root, env: ["DEVENV_HOME": ProjectFixture.home])
            #expect(signalled.stdout.contains("status 143"), "\(signalled.stdout)\(signalled.stderr)")
            let only = try p.devenv(["run", "--env", "web/.env", "--", "sh", "-c", "echo \"${API_URL}|${DATABASE_URL:-none}\""])
            #expect(only.stdout == "http://localhost:8000|none\n", "\(only.stdout)\(only.stderr)")

            #expect(!FileManager.default.fileExists(atPath: p.root + "/api/.env"), "run writes no .env file")
            #expect(try Self.written(p) == before, "run writes nothing at all")
        }
    }

    @Test func onABranchStackTheProcessGetsTheBranchsValues() throws {
        try ProjectFixture.with("proc-br") { p in
            try p.write("dbcheck.py", Self.dbcheck)
            try p.manifest("isolation: branch\n" + Self.webAndDbcheck)
            try p.write(".gitignore", ".env\n.devenv/\n")
            for args in [["init", "-q", "-b", "main"], ["config", "user.email", "e2e@devenv.test"], ["config", "user.name", "devenv e2e"],
                         ["add", "-A"], ["commit", "-q", "-m", "init"]] { try p.git(args) }
            try p.trust()
            #expect(try p.devenv(["up", "--detach"]).status == 0)
            let mainPg = try #require(try p.service("postgres")["port"] as? Int)
            let mainProcs = try Self.processes(p)
            #expect(try p.devenv(["logs", "dbcheck"]).stdout.contains("database port \(mainPg) answered 42"))

            try p.git(["checkout", "-q", "-b", "feature/procs"])
            let up = try p.devenv(["up", "--detach", "--fresh"])
            #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
            let branchPg = try #require(try p.service("postgres")["port"] as? Int)
            #expect(branchPg != mainPg)
            let logs = try p.devenv(["logs", "dbcheck"])
            #expect(logs.stdout.contains("database port \(branchPg) answered 42"), "the branch's process got the branch's URL: \(logs.stdout)")
            let branchProcs = try Self.processes(p)
            let branchWeb = try #require(branchProcs["web"]?["port"] as? Int)
            #expect(branchWeb != mainProcs["web"]?["port"] as? Int, "and the branch's ports")
            #expect(Self.get(branchWeb) != nil)
            #expect(Self.get(try #require(mainProcs["web"]?["port"] as? Int)) != nil, "the main stack's processes keep running")
        }
    }

    /// What devenv keeps for the fixture's stack: the project folder, the stack's folder in
    /// DEVENV_HOME, and its registry entry (other suites' stacks change the registry meanwhile).
    static func written(_ p: ProjectFixture) throws -> [String] {
        let registry = FileManager.default.contents(atPath: ProjectFixture.home + "/registry.json") ?? Data()
        let stacks = ((try? JSONSerialization.jsonObject(with: registry)) as? [String: Any])?["stacks"] as? [String: Any]
        let entry = stacks?[p.name].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) } ?? Data()
        return try listing(p.root) + listing(ProjectFixture.home + "/stacks/" + p.name) + [String(decoding: entry, as: UTF8.self)]
    }

    /// Every file under `dir` with its size and modification time.
    static func listing(_ dir: String) throws -> [String] {
        let e = FileManager.default.enumerator(atPath: dir)
        var out: [String] = []
        while let f = e?.nextObject() as? String {
            let a = try FileManager.default.attributesOfItem(atPath: dir + "/" + f)
            out.append("\(f) \(a[.size] ?? 0) \((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)")
        }
        return out.sorted()
    }
}

extension ProjectFixture {
    /// Trusts the manifest's host commands (processes), as a person would with `devenv trust`.
    func trust() throws {
        _ = try devenv(["trust"])
    }
}
