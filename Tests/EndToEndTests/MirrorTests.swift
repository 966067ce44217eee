import Foundation
import Testing

/// `devenv mirror` end to end: the real binary, the Railway preset answered by a stand-in
/// `railway` script in the temp project (first on PATH), printing `railway variables --json`'s
/// shape. Mirroring needs the plan (ports, credentials), not running containers, so MongoDB
/// (which cannot run on the project's machines) is in the manifest but never started.
@Suite(.serialized, .endToEnd) struct MirrorTests {
    static let secrets = ["StagingPgPw9fK2", "StagingMongoPw7hQ", "StagingRedisPw3xZ", "sk_live_51StagingStripeSecret0000"]

    static let staging: [String: String] = [
        "DATABASE_URL": "postgresql://postgres:StagingPgPw9fK2@containers-us-west-42.railway.app:7321/myflow?sslmode=require",
        "MONGODB_URL": "mongodb+srv://app:StagingMongoPw7hQ@cluster0.ab1cd.mongodb.net/myflow?retryWrites=true&w=majority",
        "REDIS_URL": "rediss://default:StagingRedisPw3xZ@redis-staging.railway.internal:6379/0",
        "STRIPE_SECRET_KEY": "sk_live_51StagingStripeSecret0000",
        "STRIPE_PUBLISHABLE_KEY": "pk_live_51StagingPublishable",
        "CORS_ORIGINS": "https://staging.myflow.app,https://api.staging.myflow.app",
        "LOG_LEVEL": "info",
        "RAILWAY_ENVIRONMENT": "staging",
    ]

    static let manifest = """
    services:
      postgres: { version: "15", databases: [myflow] }
      mongodb: { version: "7.0" }
      redis: { version: "7" }
    env:
      api/.env:
        DATABASE_URL: "{{postgres.url}}"
    staging:
      from: { preset: railway, environment: staging }
      keep: [STRIPE_PUBLISHABLE_KEY]
      rewrite: { api.staging.myflow.app: "localhost:8000", staging.myflow.app: "localhost:3000" }
      versions: { postgres: "15.4", redis: "7.2" }
      local: [MY_OWN_FLAG]

    """

    /// The stand-in CLI: prints `staging.json` when called as `railway variables --json --environment staging`.
    static let railway = """
    #!/bin/sh
    [ "$*" = "variables --json --environment staging" ] || { echo "unexpected args: $*" >&2; exit 64; }
    cat "$(dirname "$0")/../staging.json"

    """

    func setUp(_ p: ProjectFixture, variables: [String: String] = Self.staging) throws -> [String: String] {
        try p.manifest(Self.manifest)
        try writeRailway(p, Self.railway)
        try writeStaging(p, variables)
        try p.write("api/.env", "# my own settings\nMY_OWN_FLAG=on\n")
        return ["PATH": p.root + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    func writeRailway(_ p: ProjectFixture, _ script: String) throws {
        try p.write("bin/railway", script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: p.root + "/bin/railway")
    }

    func writeStaging(_ p: ProjectFixture, _ variables: [String: String]) throws {
        let data = try JSONSerialization.data(withJSONObject: variables, options: [.prettyPrinted, .sortedKeys])
        try p.write("staging.json", String(decoding: data, as: UTF8.self))
    }

    func env(_ p: ProjectFixture, _ file: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try p.read(file).split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    func expectNoStagingSecret(_ texts: [String], _ what: String) {
        for text in texts {
            for secret in Self.secrets { #expect(!text.contains(secret), "a staging secret leaked into \(what)") }
        }
    }

    @Test func mirrorWritesLocalValuesAndASecretFreeLock() throws {
        try ProjectFixture.with("mirror") { p in
            let path = try setUp(p)
            let r = try p.devenv(["mirror"], env: path)
            #expect(r.status == 0, "mirror failed: \(r.stderr)")
            expectNoStagingSecret([r.stdout, r.stderr], "the output")

            let pg = try #require(try p.service("postgres")["url"] as? String)
            let redis = try #require(try p.service("redis")["url"] as? String)
            let mongoURL = try #require(try p.service("mongodb")["url"] as? String)
            let mongo = try #require(URLComponents(string: mongoURL))
            let api = try env(p, "api/.env")
            #expect(api["DATABASE_URL"] == pg)
            #expect(api["REDIS_URL"] == redis)
            let mirroredMongo = try #require(URLComponents(string: api["MONGODB_URL"] ?? ""))
            #expect(mirroredMongo.scheme == "mongodb" && mirroredMongo.host == "127.0.0.1" && mirroredMongo.port == mongo.port)
            #expect(mirroredMongo.password == mongo.password && mirroredMongo.path == mongo.path, "the manifest's database, not staging's")
            #expect(!(api["MONGODB_URL"] ?? "").contains("retryWrites"))
            #expect(api["STRIPE_SECRET_KEY"] == "__SET_ME__STRIPE_SECRET_KEY")
            #expect(api["STRIPE_PUBLISHABLE_KEY"] == "pk_live_51StagingPublishable")
            #expect(api["CORS_ORIGINS"] == "http://localhost:3000,http://localhost:8000")
            #expect(api["LOG_LEVEL"] == "info")
            #expect(api["RAILWAY_ENVIRONMENT"] == nil, "the platform's own keys are not mirrored")
            #expect(try p.read("api/.env").hasPrefix("# my own settings\nMY_OWN_FLAG=on\n"))

            let lock = try p.read("devenv.staging.lock")
            expectNoStagingSecret([lock], "devenv.staging.lock")
            #expect(lock.contains("\"STRIPE_SECRET_KEY\"") && lock.contains("\"CORS_ORIGINS\""))

            // devenv env and mirror agree: neither clobbers the other, and nothing drifts.
            let envRun = try p.devenv(["env"])
            #expect(envRun.status == 0, "\(envRun.stderr)")
            #expect(try env(p, "api/.env") == api)
            let check = try p.devenv(["mirror", "--check", "--json"], env: path)
            #expect(check.status == 0, "unexpected drift: \(check.stdout) \(check.stderr)")
            expectNoStagingSecret([check.stdout, check.stderr], "mirror --check --json")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
            #expect((report["drift"] as? [Any])?.isEmpty == true)
            let keys = try #require(report["keys"] as? [[String: Any]])
            #expect(keys.first { $0["key"] as? String == "STRIPE_SECRET_KEY" }?["kind"] as? String == "secret")
        }
    }

    @Test func checkNamesAKeyStagingAddedAndAVersionMismatch() throws {
        try ProjectFixture.with("mirror-drift") { p in
            let path = try setUp(p)
            #expect(try p.devenv(["mirror"], env: path).status == 0)
            #expect(try p.devenv(["mirror", "--check"], env: path).status == 0)

            var more = Self.staging
            more["FEATURE_NEW_CHECKOUT"] = "true"
            try writeStaging(p, more)
            let check = try p.devenv(["mirror", "--check"], env: path)
            #expect(check.status == 1)
            #expect(check.stdout.contains("FEATURE_NEW_CHECKOUT"), "\(check.stdout)")
            expectNoStagingSecret([check.stdout, check.stderr], "mirror --check")

            let json = try p.devenv(["mirror", "--check", "--json"], env: path)
            #expect(json.status == 1)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let drift = try #require(report["drift"] as? [[String: Any]])
            #expect(drift.contains { $0["subject"] as? String == "FEATURE_NEW_CHECKOUT" && $0["kind"] as? String == "missing" })

            // Without staging access the lock alone is compared with the local file: no drift.
            #expect(try p.devenv(["mirror", "--check", "--from-lock"]).status == 0)
            #expect(try p.devenv(["mirror"], env: path).status == 0)
            #expect(try env(p, "api/.env")["FEATURE_NEW_CHECKOUT"] == "true")

            try p.manifest(Self.manifest.replacingOccurrences(of: "redis: \"7.2\"", with: "redis: \"6.2\""))
            let versions = try p.devenv(["mirror", "--check"], env: path)
            #expect(versions.status == 1)
            #expect(versions.stdout.contains("redis: staging runs 6.2, local is 7"), "\(versions.stdout)")
        }
    }

    @Test func aFailingSourceExits1AndChangesNothing() throws {
        try ProjectFixture.with("mirror-fail") { p in
            let path = try setUp(p)
            #expect(try p.devenv(["mirror"], env: path).status == 0)
            let before = try [p.read("api/.env"), p.read("devenv.staging.lock")]
            try writeStaging(p, Self.staging.merging(["ADDED_LATER": "1"]) { $1 })

            let failures = [
                ("exits non-zero", "#!/bin/sh\necho \"DATABASE_URL=\(Self.staging["DATABASE_URL"]!)\" >&2\nexit 3\n", "exited with status 3"),
                ("prints garbage", "#!/bin/sh\necho 'sk_live_51StagingStripeSecret0000 <html>login expired</html>'\n", "cannot read"),
            ]
            for (what, script, message) in failures {
                try writeRailway(p, script)
                let r = try p.devenv(["mirror"], env: path)
                #expect(r.status == 1, "a source that \(what) must fail")
                #expect(r.stderr.contains("preset railway") && r.stderr.contains(message), "\(what): \(r.stderr)")
                expectNoStagingSecret([r.stdout, r.stderr], "the error of a source that \(what)")
                #expect(try [p.read("api/.env"), p.read("devenv.staging.lock")] == before, "a source that \(what) changed a file")
            }
            try FileManager.default.removeItem(atPath: p.root + "/bin/railway")
            let missing = try p.devenv(["mirror"], env: ["PATH": "/usr/bin:/bin"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("could not be started") && missing.stderr.contains("Railway CLI"), "\(missing.stderr)")
            #expect(try [p.read("api/.env"), p.read("devenv.staging.lock")] == before)

            // Teammates without the CLI: the same key shape from the lock alone.
            try FileManager.default.removeItem(atPath: p.root + "/api/.env")
            let fromLock = try p.devenv(["mirror", "--from-lock"], env: ["PATH": "/usr/bin:/bin"])
            #expect(fromLock.status == 0, "\(fromLock.stderr)")
            let api = try env(p, "api/.env")
            #expect(Set(api.keys) == ["DATABASE_URL", "MONGODB_URL", "REDIS_URL", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "CORS_ORIGINS", "LOG_LEVEL"])
            #expect(api["STRIPE_SECRET_KEY"] == "__SET_ME__STRIPE_SECRET_KEY")
            #expect(try p.read("devenv.staging.lock") == before[1])
        }
    }
}
