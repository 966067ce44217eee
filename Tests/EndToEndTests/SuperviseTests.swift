import Foundation
import Testing
import CurrentPlatform

/// Supervision (`up --attach`), restarts in detached stacks, and `devenv doctor`, against the
/// real engine. Deadlines are generous: they bound a hang, they do not time anything.
@Suite(.serialized, .endToEnd) struct SuperviseTests {
    static let startup: TimeInterval = 180
    static let recovery: TimeInterval = 90

    func containerID(_ p: ProjectFixture, _ service: String) throws -> String {
        let id = try ProjectFixture.run(["docker", "ps", "-q", "--no-trunc", "--filter", "label=dev.devenv.project=\(p.name)",
                                         "--filter", "label=com.docker.compose.service=\(service)"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return try #require(id.isEmpty ? nil : id, "no running container for \(service)")
    }

    func running(_ p: ProjectFixture) throws -> [String] {
        try ProjectFixture.run(["docker", "ps", "-q", "--filter", "label=dev.devenv.project=\(p.name)"]).stdout.split(separator: "\n").map(String.init)
    }

    @Test func attachRestartsWhatDiesKeepsDataAndStopsOnSIGTERM() throws {
        try ProjectFixture.with("attach") { p in
            try p.manifest(CoreTests.postgresRedis)
            let attached = try AttachedDevenv(p, ["up", "--attach"])
            let watching = try #require(attached.waitFor("devenv   | watching", timeout: Self.startup), "not attached: \(attached.stdout)\n\(attached.stderr)")
            #expect(attached.stdout.contains("Timings ("))

            let pgURL = try #require(try p.service("postgres")["url"] as? String)
            let create = try ProjectFixture.run(["psql", pgURL, "-v", "ON_ERROR_STOP=1", "-qc", "CREATE TABLE notes(t text); INSERT INTO notes VALUES ('kept')"])
            #expect(create.status == 0, "\(create.stderr)")

            // Postgres dies inside its container (immediate shutdown, as on a crash): the engine's
            // restart policy brings it back; devenv reports it with its cause and sees it ready again.
            let pg = try containerID(p, "postgres")
            #expect(try ProjectFixture.run(["docker", "exec", pg, "sh", "-c", "kill -QUIT 1"]).status == 0)
            // The exit code comes from the engine's events, which a loaded engine may not have
            // delivered yet when devenv reports the restart: the restart itself is what must show.
            let restarted = attached.waitFor("the engine restarted it (restart 1 of 5)", after: watching, timeout: Self.recovery)
            #expect(attached.stdout.contains("postgres exited"), "\(attached.stdout)")
            #expect(restarted != nil, "restart not reported: \(attached.stdout)")
            #expect(attached.waitFor("devenv   | postgres is ready again", after: restarted ?? watching, timeout: Self.recovery) != nil, "\(attached.stdout)")
            let kept = try ProjectFixture.run(["psql", pgURL, "-tAc", "SELECT t FROM notes"])
            #expect(kept.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "kept", "\(kept.stderr)")
            #expect(attached.stdout.contains("postgres | "), "postgres log lines carry their prefix")

            // A service stopped behind devenv's back: the engine leaves it, devenv starts it again.
            let redis = try containerID(p, "redis")
            #expect(try ProjectFixture.run(["docker", "stop", redis]).status == 0)
            let scheduled = attached.waitFor("restarting it in 1s (restart 1 of 5)", after: watching, timeout: Self.recovery)
            #expect(scheduled != nil, "\(attached.stdout)")
            #expect(attached.waitFor("devenv   | redis is ready again", after: scheduled ?? watching, timeout: Self.recovery) != nil, "\(attached.stdout)")
            let redisURL = try #require(try p.service("redis")["url"] as? String)
            #expect(try ProjectFixture.run(["redis-cli", "-u", redisURL, "--no-auth-warning", "PING"]).stdout.contains("PONG"))

            attached.signal(SIGTERM)
            #expect(attached.waitForExit(timeout: Self.recovery) == 0, "\(attached.stdout)\n\(attached.stderr)")
            #expect(attached.stdout.contains("stopped stack \(p.name)"))
            #expect(try running(p).isEmpty, "SIGTERM stops every container of the stack")
            #expect(try p.containerIDs().isEmpty)
            #expect(!(try ProjectFixture.run(["docker", "ps", "-aq", "--filter", "label=dev.devenv.project=\(p.name)"]).stdout.isEmpty), "stopped, not removed")
        }
    }

    @Test func keepLeavesTheStackRunningOnSIGINT() throws {
        try ProjectFixture.with("keep") { p in
            try p.manifest("services:\n  redis: { version: \"7\" }\n")
            let attached = try AttachedDevenv(p, ["up", "--attach", "--keep"])
            #expect(attached.waitFor("devenv | watching", timeout: Self.startup) != nil, "\(attached.stdout)\n\(attached.stderr)")
            attached.signal(SIGINT)
            #expect(attached.waitForExit(timeout: Self.recovery) == 0, "\(attached.stderr)")
            #expect(attached.stdout.contains("left stack \(p.name) running"))
            #expect(try running(p).count == 1)
        }
    }

    @Test func aServiceThatKeepsFailingEndsAttachWithExit1() throws {
        try ProjectFixture.with("giveup") { p in
            try p.manifest("services:\n  redis: { version: \"7\" }\n")
            let attached = try AttachedDevenv(p, ["up", "--attach", "--max-restarts", "1"])
            let watching = try #require(attached.waitFor("devenv | watching", timeout: Self.startup), "\(attached.stdout)\n\(attached.stderr)")
            #expect(try ProjectFixture.run(["docker", "stop", try containerID(p, "redis")]).status == 0)
            let back = try #require(attached.waitFor("devenv | redis is ready again", after: watching, timeout: Self.recovery), "\(attached.stdout)")
            #expect(try ProjectFixture.run(["docker", "stop", try containerID(p, "redis")]).status == 0)
            let gaveUp = try #require(attached.waitFor("redis keeps failing: exited (exit code 0) after 1 restart; giving up", after: back, timeout: Self.recovery),
                                      "\(attached.stdout)")
            // Then it stops the stack (a restart still in flight ends first): each step has its own
            // deadline, since on a loaded CI engine one compose command can take a minute.
            #expect(attached.waitFor("stopping stack", after: gaveUp, timeout: Self.recovery) != nil, "\(attached.stdout)\n\(attached.stderr)")
            #expect(attached.waitForExit(timeout: Self.recovery) == 1, "\(attached.stdout)\n\(attached.stderr)")
            #expect(attached.stderr.contains("error: redis keeps failing"))
            #expect(try running(p).isEmpty)
        }
    }

    @Test func detachedStackComesBackByItsRestartPolicyAndStatusShowsIt() throws {
        try ProjectFixture.with("detached") { p in
            try p.manifest("services:\n  redis: { version: \"7\" }\n")
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try p.service("redis")["restarts"] as? Int == 0)
            // `docker kill` counts as a manual stop for the restart policy (Docker 20.10 leaves
            // the container down), so the service dies the way a crash would: its main process is killed.
            let id = try containerID(p, "redis")
            let pid = try ProjectFixture.run(["docker", "inspect", "--format", "{{.State.Pid}}", id]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try ProjectFixture.run(["kill", "-KILL", pid]).status == 0)

            // The last exit code comes from the engine's `die` event, which Docker keeps among its
            // last 256 events only: with other suites busy on the same engine it can be gone within
            // seconds, so it is read as soon as the restart shows, and the table accepts `-` (unknown).
            let deadline = Date().addingTimeInterval(Self.recovery)
            var svc: [String: Any] = [:], exitCodes: [Int?] = [], table = ""
            repeat {
                svc = try p.service("redis")
                guard (svc["restarts"] as? Int ?? 0) >= 1, svc["state"] as? String == "running" else { continue }
                exitCodes.append(svc["exit_code"] as? Int)
                if svc["health"] as? String == "ready" { table = try p.devenv(["status"]).stdout; break }
            } while Date() < deadline
            #expect(svc["restarts"] as? Int ?? 0 >= 1, "\(svc)")
            #expect(svc["state"] as? String == "running")
            #expect(exitCodes.contains(137), "the last exit code survives the restart: \(exitCodes)")
            #expect(table.contains("RESTARTS  LAST EXIT"))
            #expect(table.range(of: #"redis\s+redis\s+ready\s+1\s+(137|-)"#, options: .regularExpression) != nil, "\(table)")
        }
    }

    @Test func doctorPassesOnAHealthySetUpAndNamesTheFixOtherwise() throws {
        try ProjectFixture.with("doctor") { p in
            try p.manifest("services:\n  redis: { version: \"7\" }\n")
            #expect(try ProjectFixture.run(["git", "init", "-q", p.root]).status == 0)
            try p.write(".gitignore", ".env\n")
            #expect(try p.devenv(["up"]).status == 0)

            let healthy = try p.devenv(["doctor", "--json"])
            #expect(healthy.status == 0, "\(healthy.stdout)")
            let checks = try #require(try JSONSerialization.jsonObject(with: Data(healthy.stdout.utf8)) as? [[String: Any]])
            #expect(Set(checks.compactMap { $0["check"] as? String }) == ["engine", "compose", "disk", "images", "manifest", "kinds", "ports", "env-ignored", "env-stack", "branch-stacks"])
            for c in checks { #expect(c["ok"] as? Bool == true, "\(c)") }
            #expect(try p.devenv(["doctor"]).stdout.contains("All 10 checks passed."))

            let noEngine = try p.devenv(["doctor", "--json"], env: ["DOCKER_HOST": "unix:///nonexistent/docker.sock"])
            #expect(noEngine.status == 1)
            let failed = try #require(try JSONSerialization.jsonObject(with: Data(noEngine.stdout.utf8)) as? [[String: Any]])
            let engine = try #require(failed.first { $0["check"] as? String == "engine" })
            #expect(engine["ok"] as? Bool == false)
            #expect((engine["detail"] as? String ?? "").contains("not reachable"))
            #expect((engine["fix"] as? String ?? "").contains("DOCKER_HOST"))
            let human = try p.devenv(["doctor"], env: ["DOCKER_HOST": "unix:///nonexistent/docker.sock"])
            #expect(human.status == 1)
            #expect(human.stdout.contains("✗ engine"))
            #expect(human.stdout.contains("fix: Start it"))

            try p.write(".gitignore", "# nothing\n")
            let leaky = try p.devenv(["doctor", "--json"])
            #expect(leaky.status == 1)
            let env = try #require((try JSONSerialization.jsonObject(with: Data(leaky.stdout.utf8)) as? [[String: Any]])?.first { $0["check"] as? String == "env-ignored" })
            #expect(env["ok"] as? Bool == false)
            #expect((env["fix"] as? String ?? "").contains(".gitignore"))
        }
    }
}
