import Foundation
import Testing

@Suite(.serialized, .endToEnd) struct EnvTests {
    static let manifest = """
    services:
      postgres: { version: "15" }
      redis: { version: "7" }
    env:
      api/.env:
        DATABASE_URL: "{{postgres.url}}"
        REDIS_URL: "{{redis.url}}"
      web/.env.local:
        NEXT_PUBLIC_API_URL: "http://localhost:{{ports.api}}"
    ports: { api: 8000 }
    """

    static func value(_ key: String, in text: String) -> String? {
        text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("\(key)=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    @Test func upWritesTwoTargetsAndTheURLReachesPostgres() throws {
        try ProjectFixture.with("env-two") { p in
            try p.manifest(Self.manifest)
            let up = try p.devenv(["up"])
            #expect(up.status == 0, "\(up.stderr)")
            let api = try p.read("api/.env")
            let web = try p.read("web/.env.local")
            #expect(Self.value("NEXT_PUBLIC_API_URL", in: web) == "http://localhost:8000")
            let url = try #require(Self.value("DATABASE_URL", in: api))
            let q = try ProjectFixture.run(["psql", url, "-tAc", "SELECT 41 + 1"])
            #expect(q.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "42", "\(q.stderr)")
            let attrs = try FileManager.default.attributesOfItem(atPath: p.root + "/api/.env")
            #expect((attrs[.posixPermissions] as? Int) == 0o600)

            let json = try p.devenv(["env", "--json"])
            let files = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["files"] as? [String: [String: String]])
            #expect(files["api/.env"]?["DATABASE_URL"] == url)
        }
    }

    @Test func userLinesSurviveTenCycles() throws {
        try ProjectFixture.with("env-keep") { p in
            try p.manifest(Self.manifest)
            let mine = "# my notes\r\nexport STRIPE_KEY='sk_test_123'\r\n\r\nFEATURE_FLAG=on # inline\r\n"
            try p.write("api/.env", mine)
            for _ in 0..<10 {
                #expect(try p.devenv(["up"]).status == 0)
                #expect(try p.devenv(["down"]).status == 0)
            }
            let text = try p.read("api/.env")
            #expect(text.hasPrefix(mine), "the user's lines changed:\n\(text)")
            #expect(text.components(separatedBy: "DATABASE_URL=").count == 2)
            #expect(try p.devenv(["env", "--check"]).status == 0)
        }
    }

    @Test func checkCatchesAManifestChangeAndEnvFixesIt() throws {
        try ProjectFixture.with("env-check") { p in
            try p.manifest(Self.manifest)
            #expect(try p.devenv(["env"]).status == 0)
            #expect(try p.devenv(["env", "--check"]).status == 0)
            try p.manifest(Self.manifest.replacingOccurrences(of: "api: 8000", with: "api: 8080"))
            let check = try p.devenv(["env", "--check"])
            #expect(check.status == 1)
            #expect(check.stderr.contains("web/.env.local: NEXT_PUBLIC_API_URL is stale"))
            #expect(try p.devenv(["env"]).status == 0)
            #expect(try p.devenv(["env", "--check"]).status == 0)
            #expect(Self.value("NEXT_PUBLIC_API_URL", in: try p.read("web/.env.local")) == "http://localhost:8080")
        }
    }

    @Test func aHandEditIsKeptUnlessForced() throws {
        try ProjectFixture.with("env-edit") { p in
            try p.manifest(Self.manifest)
            #expect(try p.devenv(["env"]).status == 0)
            let text = try p.read("web/.env.local").replacingOccurrences(of: "http://localhost:8000", with: "https://api.example.test")
            try p.write("web/.env.local", text)
            let again = try p.devenv(["env"])
            #expect(again.stdout.contains("kept your value of NEXT_PUBLIC_API_URL"))
            #expect(Self.value("NEXT_PUBLIC_API_URL", in: try p.read("web/.env.local")) == "https://api.example.test")
            #expect(try p.devenv(["env", "--force"]).status == 0)
            #expect(Self.value("NEXT_PUBLIC_API_URL", in: try p.read("web/.env.local")) == "http://localhost:8000")
        }
    }

    @Test func malformedEnvFileNamesFileAndLine() throws {
        try ProjectFixture.with("env-bad") { p in
            try p.manifest(Self.manifest)
            try p.write("api/.env", "GOOD=1\nBAD='unterminated\n")
            let r = try p.devenv(["env"])
            #expect(r.status == 1, "a .env that does not parse is a run-time failure")
            #expect(r.stderr.contains("dotenv syntax"), "it carries a hint: \(r.stderr)")
            #expect(r.stderr.contains("api/.env:2"), "\(r.stderr)")
            #expect(try p.read("api/.env") == "GOOD=1\nBAD='unterminated\n")
        }
    }
}
