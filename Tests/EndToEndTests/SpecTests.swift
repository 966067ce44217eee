import Foundation
import Testing

/// Kinds are data, the spec is validated before the engine sees anything, and a read-only
/// command claims nothing.
@Suite(.endToEnd) struct SpecTests {
    /// A kind written as a folder only, in the project: a setting, a seed format and a probe.
    /// No Swift knows its name.
    static let cacheKind = (
        service: """
        description: A Redis-protocol cache, written as a project kind (no Swift)
        image: redis
        version: "7"
        ports: { main: 6379 }
        data: /data
        settings:
          maxmemory: { type: string, default: 64mb, pattern: "[0-9]+(kb|mb|gb)", describe: a size like 64mb }
        values:
          host: 127.0.0.1
          port: "{{ports.main}}"
          url: "redis://{{host}}:{{port}}/0"
        probe: { type: redis }
        dotenv: { CACHE_URL: "{{url}}" }
        seed:
          entries: list
          target: "{{name}}"
          formats:
            - { match: "*.cache", run: ["redis-cli", "--pipe"] }
        """,
        compose: """
        image: "{{image}}"
        command: ["redis-server", "--maxmemory", "{{maxmemory}}", "--protected-mode", "no"]
        """)

    @Test func aKindAddedAsAFolderOnlyComesUpWithItsSettingSeedAndProbe() throws {
        try ProjectFixture.with("folderkind") { p in
            try p.write(".devenv/templates/services/cache/service.yml", Self.cacheKind.service)
            try p.write(".devenv/templates/services/cache/compose.yml", Self.cacheKind.compose)
            try p.write("seeds/warm.cache", "SET seeded yes\r\nSET other 2\r\n")
            try p.manifest("""
            services:
              cache: { maxmemory: 32mb }
            seed:
              cache: [seeds/warm.cache]
            """)
            let up = try p.devenv(["up"])
            #expect(up.status == 0, "up failed: \(up.stderr)")
            let env = try p.read(".env")
            let url = try #require(env.split(separator: "\n").first { $0.hasPrefix("CACHE_URL=") }.map { String($0.dropFirst(10)) })
            let limit = try ProjectFixture.run(["redis-cli", "-u", url, "CONFIG", "GET", "maxmemory"]).stdout
            #expect(limit.contains(String(32 * 1024 * 1024)), "the setting reached the server: \(limit)")
            #expect(try ProjectFixture.run(["redis-cli", "-u", url, "GET", "seeded"]).stdout.contains("yes"), "the seed format applied the file")
            #expect(up.stdout.contains("Seeded cache (cache) from seeds/warm.cache"), "\(up.stdout)")
            let status = try p.service("cache")
            #expect(status["kind"] as? String == "cache" && status["health"] as? String == "ready")
        }
    }

    @Test func aBadSettingOfAFolderKindIsAManifestProblem() throws {
        try ProjectFixture.with("folderkind-bad") { p in
            try p.write(".devenv/templates/services/cache/service.yml", Self.cacheKind.service)
            try p.write(".devenv/templates/services/cache/compose.yml", Self.cacheKind.compose)
            try p.manifest("services:\n  cache: { maxmemory: lots, maxmemroy: 1mb }\n")
            let r = try p.devenv(["up"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("devenv.yml:3:23: maxmemory: 'lots' is not valid (a size like 64mb)"), "\(r.stderr)")
            #expect(r.stderr.contains("devenv.yml:3:29: unknown key 'maxmemroy' in service 'cache'; did you mean 'maxmemory'?"), "\(r.stderr)")
        }
    }

    /// Every problem of every section at once, before any container, volume or network exists.
    @Test func aMisspeltEnvKeyStopsUpBeforeTheEngineIsTouched() throws {
        try ProjectFixture.with("envkey") { p in
            try p.manifest("""
            services:
              postgres: { version: "15" }
              redis: { version: "7" }
            env:
              api/.env:
                DATABASE_URL: "{{postgres.ulr}}"
                REDIS_URL: "{{redis.url}}"
            seed:
              postgres: [db/missing.sql]
            staging:
              from: { preset: railwy }
            """)
            let r = try p.devenv(["up"])
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("devenv.yml:7:19: unknown template key '{{postgres.ulr}}' in api/.env DATABASE_URL; did you mean 'postgres.url'?"), "\(r.stderr)")
            #expect(r.stderr.contains("devenv.yml:10:14: seed file 'db/missing.sql' does not exist"), "\(r.stderr)")
            #expect(r.stderr.contains("devenv.yml:12:19:"), "staging problems are reported with the others: \(r.stderr)")
            let labelled = try ProjectFixture.run(["sh", "-c", "docker ps -aq --filter label=dev.devenv.project=\(p.name); docker volume ls -q --filter label=dev.devenv.project=\(p.name); docker network ls -q --filter label=dev.devenv.project=\(p.name)"])
            #expect(labelled.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "nothing was created: \(labelled.stdout)")
            #expect(!FileManager.default.fileExists(atPath: p.root + "/.devenv/stacks"), "no state was written")
        }
    }

    /// `compose config` and `mirror --dry-run` in a new folder plan read-only: the machine
    /// registry and the credentials are untouched.
    @Test func readOnlyCommandsInANewFolderClaimNothing() throws {
        try ProjectFixture.with("readonly") { p in
            try p.write("staging.env", "LOG_LEVEL=info\nDATABASE_URL=postgres://u:p@db.example.com:5432/app\n")
            try p.manifest("""
            services:
              postgres: { version: "15" }
            staging:
              from: { file: staging.env }
            """)
            let home = NSTemporaryDirectory() + "devenv-e2e-readonly-\(p.name)"
            p.onTearDown { try? FileManager.default.removeItem(atPath: home) }
            let env = ["DEVENV_HOME": home]
            let registry = home + "/registry.json"
            let before = FileManager.default.contents(atPath: registry)
            let config = try p.devenv(["compose", "config"], env: env)
            #expect(config.status == 0, "\(config.stderr)")
            #expect(config.stdout.contains("host_ip: 127.0.0.1"), "the proposed ports are shown")
            let dry = try p.devenv(["mirror", "--dry-run"], env: env)
            #expect(dry.status == 0, "\(dry.stderr)")
            let check = try p.devenv(["env", "--check"], env: env)
            #expect(check.status == 1, "no .env yet: \(check.stderr)")
            let status = try p.devenv(["status", "--json"], env: env)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(FileManager.default.contents(atPath: registry) == before, "the registry is unchanged")
            let stacks = try ProjectFixture.run(["sh", "-c", "ls \(home)/stacks 2>/dev/null | grep -x '\(p.name)' || true"])
            #expect(stacks.stdout.isEmpty, "no credentials were stored")
            #expect(!FileManager.default.fileExists(atPath: p.root + "/.devenv/stacks/\(p.name)/compose.yaml"))
            #expect(!FileManager.default.fileExists(atPath: p.root + "/.env"))
        }
    }
}
