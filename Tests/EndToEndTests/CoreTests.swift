import Foundation
import Testing

/// The core issue's end-to-end tests: the real binary, the real engine, real Postgres and
/// Redis, reached only through ports published on 127.0.0.1.
@Suite(.serialized, .endToEnd) struct CoreTests {
    static let postgresRedis = """
    services:
      postgres: { version: "15" }
      redis: { version: "7" }
    """

    @Test func dataSurvivesDownAndUpAndGoesWithVolumes() throws {
        try ProjectFixture.with("data") { p in
            try p.manifest(Self.postgresRedis)
            let up = try p.devenv(["up"])
            #expect(up.status == 0, "up failed: \(up.stderr)")
            #expect(up.stdout.contains("postgres://devenv:****@127.0.0.1:"))
            let pgURL = try #require(try p.service("postgres")["url"] as? String)
            let redisURL = try #require(try p.service("redis")["url"] as? String)

            let create = try ProjectFixture.run(["psql", pgURL, "-v", "ON_ERROR_STOP=1", "-qc", "CREATE TABLE notes(t text); INSERT INTO notes VALUES ('kept')"])
            #expect(create.status == 0, "\(create.stderr)")
            #expect(try ProjectFixture.run(["redis-cli", "-u", redisURL, "--no-auth-warning", "SET", "greeting", "hello"]).stdout.contains("OK"))

            #expect(try p.devenv(["down"]).status == 0)
            #expect(try p.containerIDs().isEmpty)
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try ProjectFixture.run(["psql", pgURL, "-tAc", "SELECT t FROM notes"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "kept")
            #expect(try ProjectFixture.run(["redis-cli", "-u", redisURL, "--no-auth-warning", "GET", "greeting"]).stdout.contains("hello"))

            let noYes = try p.devenv(["down", "--volumes"])
            #expect(noYes.status == 2, "down --volumes without a terminal must demand --yes")
            #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
            #expect(try p.devenv(["up"]).status == 0)
            let gone = try ProjectFixture.run(["psql", pgURL, "-tAc", "SELECT count(*) FROM pg_tables WHERE tablename = 'notes'"])
            #expect(gone.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }
    }

    @Test func secondUpRestartsNothing() throws {
        try ProjectFixture.with("warm") { p in
            try p.manifest(Self.postgresRedis)
            #expect(try p.devenv(["up"]).status == 0)
            let before = try p.containerIDs()
            #expect(before.count == 2)
            let again = try p.devenv(["up"])
            #expect(again.status == 0)
            #expect(again.stdout.contains("already up"))
            #expect(try p.containerIDs() == before)
        }
    }

    @Test func everyPublishedPortIsOnLoopback() throws {
        try ProjectFixture.with("loopback") { p in
            try p.manifest(Self.postgresRedis)
            #expect(try p.devenv(["up"]).status == 0)
            for id in try p.containerIDs() {
                let ports = try ProjectFixture.run(["docker", "port", id]).stdout.split(separator: "\n")
                #expect(!ports.isEmpty)
                for line in ports { #expect(line.contains("-> 127.0.0.1:"), "published beyond loopback: \(line)") }
            }
            for s in ["postgres", "redis"] {
                let svc = try p.service(s)
                #expect(svc["host"] as? String == "127.0.0.1")
                #expect(svc["state"] as? String == "running")
                #expect(svc["health"] as? String == "ready")
            }
        }
    }

    @Test func brokenManifestExits2NamingFileAndLine() throws {
        try ProjectFixture.with("broken") { p in
            try p.manifest("services:\n  postgres: { verison: \"15\" }\n  redis: { port: 99999 }\n")
            let r = try p.devenv(["up"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("devenv.yml:3:15"))
            #expect(r.stderr.contains("did you mean 'version'"))
            #expect(r.stderr.contains("devenv.yml:4:"))
            try FileManager.default.removeItem(atPath: p.root + "/devenv.yml")
        }
    }

    @Test func unreachableEngineExits4() throws {
        try ProjectFixture.with("noengine") { p in
            try p.manifest(Self.postgresRedis)
            let r = try p.devenv(["up"], env: ["DOCKER_HOST": "unix:///nonexistent/docker.sock"])
            #expect(r.status == 4)
            #expect(r.stderr.contains("Docker engine is not reachable"))
            let s = try p.devenv(["status"], env: ["DOCKER_HOST": "tcp://127.0.0.1:1"])
            #expect(s.status == 4)
        }
    }

    @Test func fourServiceManifestPassesComposeConfig() throws {
        try ProjectFixture.with("four") { p in
            try p.manifest("""
            services:
              postgres: { version: "16", databases: [app, app_test] }
              mongodb: { version: "7.0" }
              redis: {}
              minio: { buckets: [uploads] }
            """)
            let r = try p.devenv(["compose", "config"])
            #expect(r.status == 0, "\(r.stderr)")
            for s in ["postgres:", "mongodb:", "redis:", "minio:"] { #expect(r.stdout.contains(s)) }
            #expect(r.stdout.contains("host_ip: 127.0.0.1"))
            #expect(!r.stdout.contains("0.0.0.0"))
        }
    }

    @Test func initThenUpOnANewProject() throws {
        try ProjectFixture.with("init") { p in
            let i = try p.devenv(["init", "--services", "postgres@15,redis@7", "--name", p.name])
            #expect(i.status == 0, "\(i.stderr)")
            let up = try p.devenv(["up", "--json"])
            #expect(up.status == 0, "\(up.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(up.stdout.utf8)) as? [String: Any]
            #expect((report?["services"] as? [[String: Any]])?.count == 2)
            let env = try p.read(".env")
            #expect(env.contains("DATABASE_URL=postgres://devenv:"))
            #expect(env.contains("REDIS_URL=redis://"))
            let again = try p.devenv(["init", "--services", "redis"])
            #expect(again.status == 2, "init must not overwrite an existing devenv.yml")
        }
    }
}
