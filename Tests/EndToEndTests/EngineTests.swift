import Foundation
import Testing
import CurrentPlatform

/// What Tests/testbed/engines.sh set up (its `testbed.env`): a docker context over a relay
/// socket, a remote engine in a network namespace behind sshd, a dead ssh host, podman.
struct EngineTestbed {
    static let file = "/var/lib/devenv-testbed/engines/testbed.env"
    let values: [String: String]

    static func load() throws -> EngineTestbed {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw TestbedMissing(description: "\(file) is missing: run `make testbed` (Tests/testbed/engines.sh) as root")
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return EngineTestbed(values: values)
    }

    subscript(_ key: String) -> String { values[key] ?? "" }

    /// No engine settings from the test's own shell.
    static let clean = ["DOCKER_HOST": "", "DOCKER_CONTEXT": "", "DOCKER_TLS_VERIFY": "", "DOCKER_CERT_PATH": ""]

    /// devenv run where /var/run/docker.sock (and more) is masked: a mount namespace of its own.
    static func masked(_ paths: [String] = ["/var/run/docker.sock"]) -> [String] {
        let mounts = paths.map { "mount --bind /dev/null \($0)" }.joined(separator: " && ")
        return ["unshare", "-m", "sh", "-c", "\(mounts) && exec \"$@\"", "sh"]
    }

    struct TestbedMissing: Error, CustomStringConvertible { var description: String }
}

/// Issue 13's end-to-end tests: the engine docker would use, found the way docker finds it;
/// a stack on a remote engine with the same local URLs; a dead host; podman.
@Suite(.serialized, .endToEnd) struct EngineTests {
    static let postgresRedis = CoreTests.postgresRedis

    /// (a) A context, the default socket unreachable: up, status, down work; psql reaches Postgres.
    @Test func contextWithTheDefaultSocketMasked() throws {
        let bed = try EngineTestbed.load()
        try ProjectFixture.with("ctx") { p in
            p.environment = EngineTestbed.clean.merging(["DOCKER_CONFIG": bed["DOCKER_CONFIG"]]) { $1 }
            p.launcher = EngineTestbed.masked()
            try p.manifest(Self.postgresRedis)
            let blind = try ProjectFixture.run(p.launcher + ["docker", "-H", "unix:///var/run/docker.sock", "ps"])
            #expect(blind.status != 0, "the default socket must be unreachable in the namespace")

            let up = try p.devenv(["up"])
            #expect(up.status == 0, "up failed: \(up.stderr)")
            #expect(up.stdout.contains("Engine: \(bed["RELAY_SOCKET"].isEmpty ? "" : "unix://" + bed["RELAY_SOCKET"])"))
            #expect(up.stdout.contains("docker context \(bed["RELAY_CONTEXT"]), the current one in"))
            let status = try p.status()
            #expect(status["engine"] as? String == "unix://" + bed["RELAY_SOCKET"])
            let url = try #require(try p.service("postgres")["url"] as? String)
            let psql = try ProjectFixture.run(["psql", url, "-tAc", "SELECT 40 + 2"])
            #expect(psql.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "42", "\(psql.stderr)")

            // --context beats DOCKER_HOST, as in docker.
            let option = try p.devenv(["status", "--context", bed["RELAY_CONTEXT"]], env: ["DOCKER_HOST": "unix:///nonexistent.sock"])
            #expect(option.status == 0, "\(option.stderr)")
            // …written before the subcommand too, as `docker --context NAME ps`.
            let leading = try p.devenv(["--context", bed["RELAY_CONTEXT"], "-C", p.root, "status"], env: ["DOCKER_HOST": "unix:///nonexistent.sock"])
            #expect(leading.status == 0, "\(leading.stderr)")
            let doctor = try p.devenv(["doctor"])
            #expect(doctor.stdout.contains("chosen by docker context \(bed["RELAY_CONTEXT"])"), "\(doctor.stdout)")

            let down = try p.devenv(["down"])
            #expect(down.status == 0, "down failed: \(down.stderr)")
            #expect(try p.containerIDs().isEmpty)
        }
    }

    /// Nothing configured, no default socket: a well-known socket (here Colima's) is found and
    /// named; with none answering, exit 4 names everything tried.
    @Test func wellKnownSocketsWhenNothingIsConfigured() throws {
        let bed = try EngineTestbed.load()
        try ProjectFixture.with("wellknown") { p in
            let home = p.root + "/home", config = p.root + "/docker-config"
            try FileManager.default.createDirectory(atPath: home + "/.colima/default", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: config + "/cli-plugins", withDestinationPath: NSHomeDirectory() + "/.docker/cli-plugins")
            try FileManager.default.createSymbolicLink(atPath: home + "/.colima/default/docker.sock", withDestinationPath: bed["RELAY_SOCKET"])
            p.environment = EngineTestbed.clean.merging(["HOME": home, "DOCKER_CONFIG": config, "XDG_RUNTIME_DIR": "",
                                                         "DEVENV_CONFIG_HOME": NSHomeDirectory() + "/.config/devenv"]) { $1 }
            p.launcher = EngineTestbed.masked(["/var/run/docker.sock", bed["PODMAN_SOCKET"]])
            try p.manifest(Self.postgresRedis)
            let doctor = try p.devenv(["doctor", "--json"])
            let checks = try JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8)) as? [[String: Any]] ?? []
            let engine = try #require(checks.first { $0["check"] as? String == "engine" })
            #expect(engine["ok"] as? Bool == true, "\(engine)")
            let detail = engine["detail"] as? String ?? ""
            #expect(detail.contains("at unix://\(home)/.colima/default/docker.sock, chosen by Colima's socket"), "\(detail)")
            #expect(detail.contains("/var/run/docker.sock (default)") && detail.contains("~/.docker/run/docker.sock (Docker Desktop)"))
            #expect(try p.devenv(["status"]).status == 0)

            try FileManager.default.removeItem(atPath: home + "/.colima/default/docker.sock")
            let none = try p.devenv(["status"])
            #expect(none.status == 4)
            for tried in ["not reachable at unix:///var/run/docker.sock", "~/.docker/run/docker.sock (Docker Desktop)", "~/.colima/default/docker.sock (Colima)",
                          "~/.orbstack/run/docker.sock (OrbStack)", "~/.rd/docker.sock (Rancher Desktop)", "/run/podman/podman.sock (Podman)"] {
                #expect(none.stderr.contains(tried), "exit-4 message lacks \(tried): \(none.stderr)")
            }
        }
    }

    /// (b) The remote engine through DOCKER_HOST=ssh://….
    @Test func remoteEngineOverDockerHost() throws {
        let bed = try EngineTestbed.load()
        try remoteStack(bed, label: "rhost", environment: ["DOCKER_HOST": bed["REMOTE_HOST"]], args: [], localFirst: true)
    }

    /// (b) The remote engine through a docker context whose host is ssh://….
    @Test func remoteEngineOverAnSSHContext() throws {
        let bed = try EngineTestbed.load()
        try remoteStack(bed, label: "rctx", environment: ["DOCKER_CONFIG": bed["DOCKER_CONFIG"]], args: ["--context", bed["REMOTE_CONTEXT"]])
    }

    /// up runs the stack on the remote engine; the .env URLs on 127.0.0.1 reach Postgres and
    /// Redis from here; data survives down/up; down closes the forward.
    /// `localFirst`: the same stack runs on the local engine first; its `.env` must be the remote one's, byte for byte.
    func remoteStack(_ bed: EngineTestbed, label: String, environment: [String: String], args: [String], localFirst: Bool = false) throws {
        try ProjectFixture.with(label) { p in
            try p.manifest(Self.postgresRedis)
            var localEnv: String?
            if localFirst {
                p.environment = EngineTestbed.clean
                p.onTearDown { _ = try? p.devenv(["down", "--all", "--volumes", "--yes"], env: EngineTestbed.clean) }
                let local = try p.devenv(["up"])
                #expect(local.status == 0, "local up failed: \(local.stderr)")
                localEnv = try p.read(".env")
                #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
            }
            p.environment = EngineTestbed.clean.merging(environment) { $1 }
            p.cleanupDockerHost = bed["REMOTE_DOCKER_HOST"]
            try p.write("db/seed.sql", "CREATE TABLE seeded(n int); INSERT INTO seeded VALUES (1), (2), (3);\n")
            try p.manifest(Self.postgresRedis + "\nseed:\n  postgres: [db/seed.sql]\n")
            p.onTearDown {
                _ = try? p.devenv(["down", "--all", "--volumes", "--yes"] + args)
                Self.closeEngineConnections()
            }

            let up = try p.devenv(["up"] + args)
            #expect(up.status == 0, "up failed: \(up.stderr)")
            #expect(up.stderr.contains("forwarding 2 port(s) from 127.0.0.1 to \(bed["REMOTE_HOST"])"), "\(up.stderr)")
            let remote = try ProjectFixture.run(["docker", "ps", "-q", "--filter", "label=dev.devenv.project=\(p.name)"],
                                                env: ["DOCKER_HOST": bed["REMOTE_DOCKER_HOST"], "DOCKER_CONTEXT": ""])
            #expect(remote.stdout.split(separator: "\n").count == 2, "the stack must run on the remote engine")
            #expect(try p.containerIDs().isEmpty, "nothing of the stack on the local engine")

            let env = try p.read(".env")
            if let localEnv {
                #expect(env == localEnv, "the .env of a remote stack must be the local one's, byte for byte")
                #expect(up.stderr.contains("last ran on unix:///var/run/docker.sock"), "\(up.stderr)")
            }
            let pgURL = try #require(Self.value("DATABASE_URL", in: env))
            let redisURL = try #require(Self.value("REDIS_URL", in: env))
            #expect(pgURL.contains("@127.0.0.1:") && redisURL.contains("@127.0.0.1:"))
            let seeded = try ProjectFixture.run(["psql", pgURL, "-tAc", "SELECT count(*) FROM seeded"])
            #expect(seeded.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "the seed streams over compose exec -T: \(seeded.stderr)")
            let create = try ProjectFixture.run(["psql", pgURL, "-v", "ON_ERROR_STOP=1", "-qc", "CREATE TABLE notes(t text); INSERT INTO notes VALUES ('kept')"])
            #expect(create.status == 0, "\(create.stderr)")
            #expect(try ProjectFixture.run(["redis-cli", "-u", redisURL, "--no-auth-warning", "SET", "greeting", "hello"]).stdout.contains("OK"))

            let status = try p.devenv(["status", "--json"] + args)
            let report = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(report["engine"] as? String == bed["REMOTE_HOST"])
            let forward = try #require(report["forward"] as? [String: Any])
            #expect(forward["alive"] as? Bool == true)
            let ports = try p.devenv(["ports", "--json"] + args)
            let rows = try JSONSerialization.jsonObject(with: Data(ports.stdout.utf8)) as? [[String: Any]] ?? []
            let ours = rows.filter { $0["stack"] as? String == p.name }
            #expect(ours.count == 2)
            for r in ours {
                let holder = r["holder"] as? [String: Any]
                #expect(r["state"] as? String == "listening")
                #expect(holder?["forward"] as? String == bed["REMOTE_HOST"], "\(r)")
                #expect((holder?["pid"] as? Int).map(Int32.init) == (forward["pid"] as? Int).map(Int32.init))
            }
            let port = try #require(Int(pgURL.split(separator: ":").last?.split(separator: "/").first ?? ""))
            let ls = try JSONSerialization.jsonObject(with: Data(try p.devenv(["ls", "--json"] + args).stdout.utf8)) as? [[String: Any]] ?? []
            let listed = try #require(ls.first { $0["stack"] as? String == p.name })
            #expect(listed["engine"] as? String == bed["REMOTE_HOST"] && listed["state"] as? String == "running", "\(listed)")
            #expect(try p.devenv(["doctor"] + args).stdout.contains("forwarded from 127.0.0.1 to \(bed["REMOTE_HOST"]) by devenv's ssh"))

            // A forward that died: doctor says so, `up` starts it again.
            let pid = try #require((forward["pid"] as? Int).map(Int32.init))
            kill(pid, SIGTERM)
            #expect(Self.stopsListening(port))
            let broken = try p.devenv(["doctor"] + args)
            #expect(broken.stdout.contains("✗ forward") && broken.stdout.contains("has ended"), "\(broken.stdout)")
            let revived = try p.devenv(["up"] + args)
            #expect(revived.status == 0 && revived.stdout.contains("already up"), "\(revived.stderr)")
            #expect(try ProjectFixture.run(["psql", pgURL, "-tAc", "SELECT t FROM notes"]).stdout.contains("kept"))

            let down = try p.devenv(["down"] + args)
            #expect(down.status == 0, "down failed: \(down.stderr)")
            #expect(Self.stopsListening(port), "down must close the forward: 127.0.0.1:\(port) still answers")

            let again = try p.devenv(["up"] + args)
            #expect(again.status == 0, "second up failed: \(again.stderr)")
            #expect(try p.read(".env") == env, "the .env must stay byte-identical")
            let kept = try ProjectFixture.run(["psql", pgURL, "-tAc", "SELECT t FROM notes"])
            #expect(kept.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "kept", "\(kept.stderr)")
            #expect(try ProjectFixture.run(["redis-cli", "-u", redisURL, "--no-auth-warning", "GET", "greeting"]).stdout.contains("hello"))
            #expect(try p.devenv(["down", "--volumes", "--yes"] + args).status == 0)
            #expect(Self.stopsListening(port))
        }
    }

    /// A host folder cannot be mounted by a remote engine: refused before anything starts.
    @Test func hostFoldersOnARemoteEngineAreRefused() throws {
        let bed = try EngineTestbed.load()
        try ProjectFixture.with("rbind") { p in
            p.environment = EngineTestbed.clean.merging(["DOCKER_HOST": bed["REMOTE_HOST"]]) { $1 }
            p.cleanupDockerHost = bed["REMOTE_DOCKER_HOST"]
            p.onTearDown { Self.closeEngineConnections() }
            try p.manifest("""
            services:
              web:
                image: devenv-testbed/redis:7
                ports: { http: 6379 }
                volumes: ["./conf:/etc/conf"]
            """)
            let r = try p.devenv(["up"])
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("service web mounts \(p.root)/conf"), "\(r.stderr)")
            #expect(r.stderr.contains("named volume"))
            let remote = try ProjectFixture.run(["docker", "ps", "-aq", "--filter", "label=dev.devenv.project=\(p.name)"],
                                                env: ["DOCKER_HOST": bed["REMOTE_DOCKER_HOST"], "DOCKER_CONTEXT": ""])
            #expect(remote.stdout.isEmpty, "nothing may start")
        }
    }

    /// (c) A host that never answers: exit 4 with a message naming it, in about ssh's 3 s.
    @Test func deadSSHHostExits4() throws {
        let bed = try EngineTestbed.load()
        try ProjectFixture.with("dead") { p in
            p.environment = EngineTestbed.clean.merging(["DOCKER_HOST": bed["DEAD_HOST"]]) { $1 }
            try p.manifest(Self.postgresRedis)
            for command in [["up"], ["status"]] {
                let began = Date()
                let r = try p.devenv(command)
                let seconds = Date().timeIntervalSince(began)
                #expect(r.status == 4, "\(command) against a dead host: \(r.stderr)")
                #expect(r.stderr.contains("the Docker engine is not reachable at \(bed["DEAD_HOST"]) over ssh"), "\(r.stderr)")
                #expect(r.stderr.contains("timed out"), "\(r.stderr)")
                print("dead ssh host: `devenv \(command.joined(separator: " "))` exited \(r.status) after \(String(format: "%.2f", seconds)) s")
            }
        }
    }

    /// Podman's Docker-compatible socket, found as a well-known socket: up, psql, down.
    @Test func upOnPodman() throws {
        let bed = try EngineTestbed.load()
        try ProjectFixture.with("podman") { p in
            let config = p.root + "/docker-config"
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: config + "/cli-plugins", withDestinationPath: NSHomeDirectory() + "/.docker/cli-plugins")
            p.environment = EngineTestbed.clean.merging(["DOCKER_CONFIG": config, "XDG_RUNTIME_DIR": ""]) { $1 }
            p.launcher = EngineTestbed.masked()
            p.cleanupDockerHost = "unix://" + bed["PODMAN_SOCKET"]
            try p.manifest(Self.postgresRedis)
            let up = try p.devenv(["up"])
            #expect(up.status == 0, "up on podman failed: \(up.stderr)")
            #expect(up.stdout.contains("Engine: unix://\(bed["PODMAN_SOCKET"]) (Podman's socket"), "\(up.stdout)")
            let doctor = try p.devenv(["doctor"])
            #expect(doctor.stdout.contains("Podman 4."), "\(doctor.stdout)")
            let url = try #require(try p.service("postgres")["url"] as? String)
            let psql = try ProjectFixture.run(["psql", url, "-tAc", "SELECT 40 + 2"])
            #expect(psql.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "42", "\(psql.stderr)")
            let redis = try #require(try p.service("redis")["url"] as? String)
            #expect(try ProjectFixture.run(["redis-cli", "-u", redis, "--no-auth-warning", "PING"]).stdout.contains("PONG"))
            #expect(try p.devenv(["down"]).status == 0)
        }
    }

    /// devenv's engine connections idle out after 10 minutes; a test closes its own at once
    /// (the fixture's teardown has run its last `devenv` by then).
    static func closeEngineConnections() {
        let run = ProjectFixture.home + "/run"
        for ctl in (try? FileManager.default.contentsOfDirectory(atPath: run))?.filter({ $0.hasSuffix(".ctl") }) ?? [] {
            _ = try? ProjectFixture.run(["ssh", "-o", "ControlPath=\(run)/\(ctl)", "-O", "exit", "placeholder"])
        }
    }

    static func value(_ key: String, in env: String) -> String? {
        env.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    /// Polls (deadline 5 s) until nothing accepts on 127.0.0.1:port.
    static func stopsListening(_ port: Int) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if !accepts(port) { return true }
            usleep(50_000)
        }
        return false
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Posix.streamSocket, 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }
}
