import Foundation
import Testing

/// `devenv mcp` end to end: the official MCP Python SDK (PyPI `mcp`, in the venv that
/// Tests/testbed/mcp.sh makes) runs Tests/mcp/client.py, which starts the real server in a
/// project folder as an agent's client does and records what it saw; these tests assert on it.
/// Postgres is reached from the host with psql, through the URL the server returned.
@Suite(.serialized, .endToEnd) struct MCPTests {
    /// The venv's python, installing the SDK first when it is missing (idempotent, cached).
    static let python: String? = {
        let r = try? ProjectFixture.run(["bash", ProjectFixture.repoRoot + "/Tests/testbed/mcp.sh"])
        guard let r, r.status == 0 else { return nil }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    /// Runs a scenario of client.py; its JSON record.
    static func client(_ args: [String], cwd: String) throws -> [String: Any] {
        let python = try #require(python, "Tests/testbed/mcp.sh could not install the MCP Python SDK")
        let r = try ProjectFixture.run([python, ProjectFixture.repoRoot + "/Tests/mcp/client.py"] + args, cwd: cwd,
                                       env: ProjectFixture.baseEnv)
        #expect(r.status == 0, "client.py failed: \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "client.py printed: \(r.stdout.prefix(500))")
    }

    static func structured(_ call: Any?) -> [String: Any] { (call as? [String: Any])?["structured"] as? [String: Any] ?? [:] }
    static func services(_ call: Any?) -> [String: [String: Any]] {
        let list = structured(call)["services"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0) })
    }

    @Test func aSessionBringsUpPostgresAndRedisAndServesThroughBadRequests() throws {
        try ProjectFixture.with("mcp") { p in
            try p.manifest(CoreTests.postgresRedis)
            let o = try Self.client(["session", ProjectFixture.binary, p.root], cwd: p.root)

            #expect((o["server"] as? [String: Any])?["name"] as? String == "devenv")
            #expect(o["tools"] as? [String] == ["doctor", "down", "logs", "ports", "reset", "run", "seed", "snapshot_restore", "snapshot_save", "status", "up"])
            #expect(o["resources"] as? [String] == ["devenv://env", "devenv://env/revealed", "devenv://kinds", "devenv://manifest"])
            let schemas = o["schemas"] as? [String: [String: Any]] ?? [:]
            #expect((schemas["run"]?["required"] as? [String]) == ["command"])
            #expect((o["manifest"] as? [String: Any])?["valid"] as? Bool == true)
            #expect((o["kinds"] as? [String])?.contains("postgres") == true)

            // up: the status model, URLs masked, progress lines as notifications.
            let up = o["up"] as? [String: Any] ?? [:]
            #expect(up["is_error"] as? Bool == false, "up: \(up["text"] ?? "")")
            #expect(Self.services(up)["postgres"]?["health"] as? String == "ready")
            #expect((Self.services(up)["postgres"]?["url"] as? String)?.contains(":****@127.0.0.1:") == true)
            #expect((up["progress"] as? [String])?.contains { $0.hasPrefix("postgres: ready") } == true, "progress: \(up["progress"] ?? "")")
            #expect(Self.structured(up)["timings"] != nil)

            // status masks unless reveal; the revealed URL reaches Postgres from the host.
            #expect((Self.services(o["status"])["redis"]?["url"] as? String)?.contains(":****@") == true)
            let url = try #require(Self.services(o["status_revealed"])["postgres"]?["url"] as? String)
            #expect(!url.contains("****"))
            #expect((o["psql_via_url"] as? [String: Any])?["stdout"] as? String == "42", "psql \(url) from the host, during the session")

            // run: the stack's environment (PGHOST … from the kind's dotenv), a timeout, a cap.
            let run = Self.structured(o["run"])
            #expect(run["exit_code"] as? Int == 0 && run["stdout"] as? String == "1\n", "run: \(run)")
            let slow = Self.structured(o["run_timeout"])
            #expect(slow["timed_out"] as? Bool == true && (o["run_timeout"] as? [String: Any])?["is_error"] as? Bool == true)
            let capped = Self.structured(o["run_capped"])
            #expect((capped["stdout"] as? String)?.utf8.count == 1000 && capped["truncated"] as? Bool == true)

            // Resources: .env values masked unless asked.
            let env = ((o["env"] as? [String: Any])?["files"] as? [String: [String: String]])?[".env"] ?? [:]
            let revealed = ((o["env_revealed"] as? [String: Any])?["files"] as? [String: [String: String]])?[".env"] ?? [:]
            #expect(env["PGPASSWORD"] == "****" && revealed["PGPASSWORD"].map { !$0.isEmpty && $0 != "****" } == true)
            #expect(revealed["DATABASE_URL"] == url)

            // `ports` lists every stack of the machine's registry (other tests' too): this stack's two.
            let stack = Self.structured(o["status"])["stack"] as? String
            let mine = (Self.structured(o["ports"])["ports"] as? [[String: Any]] ?? []).filter { $0["stack"] as? String == stack }
            #expect(stack != nil && Set(mine.compactMap { $0["service"] as? String }) == ["postgres", "redis"], "ports: \(mine)")
            #expect((Self.structured(o["logs"])["lines"] as? [String])?.isEmpty == false)
            #expect((Self.structured(o["doctor"])["checks"] as? [[String: Any]])?.isEmpty == false)

            // Bad requests: JSON-RPC invalid params (-32602), parse error (-32700); a locked stack: the CLI's code 1.
            for bad in ["bad_unknown_tool", "bad_types", "bad_missing", "bad_down_volumes", "bad_reset", "bad_restore"] {
                #expect((o[bad] as? [String: Any])?["protocol_error"] as? Int == -32602, "\(bad): \(o[bad] ?? "")")
            }
            #expect(((o["bad_types"] as? [String: Any])?["message"] as? String)?.contains("argument 'tail' must be an integer") == true)
            #expect(((o["bad_down_volumes"] as? [String: Any])?["message"] as? String)?.contains("confirm: true") == true)
            let locked = o["locked_up"] as? [String: Any] ?? [:]
            #expect(locked["is_error"] as? Bool == true)
            let lockError = Self.structured(locked)["error"] as? [String: Any] ?? [:]
            #expect(lockError["exit_code"] as? Int == 1 && (lockError["message"] as? String)?.contains("another devenv is working on stack") == true)
            #expect((o["locked_status"] as? [String: Any])?["is_error"] as? Bool == false, "read-only tools still answer")
            #expect((o["after_bad"] as? [String: Any])?["is_error"] as? Bool == false, "the server keeps serving")
            let malformed = o["malformed"] as? [String: Any] ?? [:]
            let answers = malformed["answers"] as? [[String: Any]] ?? []
            #expect(answers.contains { $0["error"] as? Int == -32700 }, "\(answers)")
            #expect(answers.contains { $0["id"] as? Int == 3 && $0["tools"] as? Int == 11 }, "tools/list after the broken line: \(answers)")

            // snapshot, then down: containers gone, data kept.
            #expect((Self.structured(o["snapshot_save"])["output"] as? [String])?.first?.contains("Saved snapshot mcp-e2e") == true)
            #expect((o["down"] as? [String: Any])?["is_error"] as? Bool == false)
            #expect(Self.services(o["after_down"])["postgres"]?["state"] as? String != "running")
            #expect(try p.containerIDs().isEmpty)
        }
    }

    @Test func twoWorktreesEachWithItsOwnServerGetDisjointPortsAndSeparateData() throws {
        try ProjectFixture.with("mcp-wt") { p in
            try BranchTests.repo(p)
            let a = try p.addWorktree("feature/mcp-a"), b = try p.addWorktree("feature/mcp-b")
            let o = try Self.client(["worktrees", ProjectFixture.binary, a, b], cwd: p.root)
            for key in ["up_a", "up_b"] {
                #expect((o[key] as? [String: Any])?["is_error"] as? Bool == false, "\(key): \((o[key] as? [String: Any])?["text"] ?? "")")
            }
            let sa = o["status_a"] as? [String: Any] ?? [:], sb = o["status_b"] as? [String: Any] ?? [:]
            #expect(sa["root"] as? String == a && sb["root"] as? String == b)
            #expect(sa["stack"] as? String != sb["stack"] as? String)
            func ports(_ s: [String: Any]) -> Set<Int> { Set((s["services"] as? [[String: Any]] ?? []).compactMap { $0["port"] as? Int }) }
            #expect(ports(sa).count == 2 && ports(sb).count == 2 && ports(sa).isDisjoint(with: ports(sb)), "\(ports(sa)) \(ports(sb))")
            #expect(Self.structured(o["write_a"])["exit_code"] as? Int == 0, "\(o["write_a"] ?? "")")
            #expect(Self.structured(o["read_a"])["stdout"] as? String == "1\n")
            #expect(Self.structured(o["read_b"])["stdout"] as? String == "0\n", "worktree b's database does not have a's table")
            #expect((o["down_a"] as? [String: Any])?["is_error"] as? Bool == false)
            #expect((o["down_b"] as? [String: Any])?["is_error"] as? Bool == false)
        }
    }

    @Test func hostCommandsOfAnUntrustedManifestDoNotRun() throws {
        try ProjectFixture.with("mcp-trust") { p in
            let marker = p.root + "/ran"
            try p.manifest("services:\n  redis: { version: \"7\" }\nprocesses:\n  web:\n    run: touch \(marker) && sleep 300\n")
            let o = try Self.client(["trust", ProjectFixture.binary, p.root], cwd: p.root)
            let up = o["up"] as? [String: Any] ?? [:]
            #expect(up["is_error"] as? Bool == true)
            let error = Self.structured(up)["error"] as? [String: Any] ?? [:]
            #expect(error["exit_code"] as? Int == 2, "\(error)")
            #expect((error["message"] as? String)?.contains("asks to run on this machine") == true)
            #expect((error["hint"] as? String)?.contains("devenv trust") == true)
            #expect(!FileManager.default.fileExists(atPath: marker), "the process's command did not run")
        }
    }
}
