import Foundation
import Testing
import CurrentPlatform

/// How the real binary behaves when a provider CLI misbehaves, with stand-in CLIs (shell
/// scripts first on PATH) printing exactly what the provider prints: `--check` fails whenever
/// staging could not be read, a hanging CLI is stopped at the timeout, too much output is said
/// to be too much, `--dry-run` writes no project file. Plus Vercel's file, written by a stand-in.
@Suite(.serialized, .endToEnd) struct MirrorSourceFailureTests {
    static let manifest = """
    services:
      postgres: { version: "15", databases: [shop] }
      redis: { version: "7" }
    staging:
      from: { preset: railway }
      timeout: 2

    """

    func cli(_ p: ProjectFixture, _ name: String, _ script: String) throws -> [String: String] {
        try p.write("bin/\(name)", "#!/bin/sh\n" + script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: p.root + "/bin/\(name)")
        return ["PATH": p.root + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    /// railwayapp/cli src/commands/variable.rs: `--json` prints the BTreeMap pretty-printed.
    static let railwayOK = "cat <<'EOF'\n{\n  \"LOG_LEVEL\": \"info\",\n  \"REDIS_URL\": \"rediss://default:RwRedisPw@redis.railway.internal:6379\"\n}\nEOF\n"

    @Test func checkFailsWheneverStagingCannotBeRead() throws {
        try ProjectFixture.with("mirror-check") { p in
            try p.manifest(Self.manifest)
            let path = try cli(p, "railway", Self.railwayOK)
            #expect(try p.devenv(["mirror"], env: path).status == 0)
            #expect(try p.devenv(["mirror", "--check"], env: path).status == 0)

            let failures: [(String, String, String)] = [
                ("exits non-zero", "echo 'Unauthorized. Please login' >&2\nexit 1\n", "exited with status 1"),
                ("prints garbage", "echo '<html>502 Bad Gateway</html>'\n", "cannot read"),
                ("prints {}", "echo '{}'\n", "gave no variables"),
                ("hangs", "echo $$ > \"$(dirname \"$0\")/../hung.pid\"\nexec sleep 30\n", "did not finish within 2 s"),
                ("prints too much", "head -c 70000000 /dev/zero | tr '\\0' x\n", "printed more than 64 MiB"),
            ]
            for (what, script, message) in failures {
                // 2 s only where the hang is the case: on a loaded machine 64 MiB through a pipe
                // can take longer, and must still meet the size cap, not the clock.
                try p.manifest(what == "hangs" ? Self.manifest : Self.manifest.replacingOccurrences(of: "timeout: 2", with: "timeout: 300"))
                _ = try cli(p, "railway", script)
                let r = try p.devenv(["mirror", "--check"], env: path)
                #expect(r.status == 1, "a source that \(what): exit \(r.status)")
                #expect(!r.stdout.contains("No drift"), "a source that \(what) must never pass: \(r.stdout)")
                #expect(r.stderr.contains("could not read staging: preset railway") && r.stderr.contains(message), "\(what): \(r.stderr)")
                let json = try p.devenv(["mirror", "--check", "--json"], env: path)
                #expect(json.status == 1)
                let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(what): \(json.stdout)")
                #expect((report["source_error"] as? String)?.contains(message) == true, "\(what): \(report)")
            }
            // The hanging stand-in was stopped, not left behind.
            let pid = try #require(Int32(try p.read("hung.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
            let deadline = Date().addingTimeInterval(10)
            while kill(pid, 0) == 0, Date() < deadline { usleep(50_000) }
            #expect(kill(pid, 0) != 0, "the timed-out CLI (pid \(pid)) still runs")
            // --from-lock checks the lock on purpose: no staging, no error.
            #expect(try p.devenv(["mirror", "--check", "--from-lock"], env: path).status == 0)
        }
    }

    @Test func dryRunWritesNoProjectFileAndNoLock() throws {
        try ProjectFixture.with("mirror-dry") { p in
            try p.manifest(Self.manifest)
            let path = try cli(p, "railway", Self.railwayOK)
            let r = try p.devenv(["mirror", "--dry-run"], env: path)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("Would mirror 2 keys"))
            for file in [".env", "devenv.staging.lock", ".devenv/env-written.json", ".devenv/mirror-written.json"] {
                #expect(!FileManager.default.fileExists(atPath: p.root + "/" + file), "--dry-run wrote \(file)")
            }
        }
    }

    /// vercel/vercel packages/cli/src/commands/env/pull.ts: the stand-in writes its first
    /// argument the way `envPullCommandLogic` does (sorted KEY="value", only \n and \r escaped).
    @Test func vercelFileIsMirroredExactly() throws {
        try ProjectFixture.with("mirror-vercel") { p in
            try p.manifest("""
            services:
              postgres: { version: "15", databases: [shop] }
            staging:
              from: { preset: vercel, environment: preview }

            """)
            let file = """
            # Created by Vercel CLI
            BCRYPT_HASH="$2b$10$abcdefghijklmnopqrstuv"
            DATABASE_URL="[SENSITIVE]"
            GREETING="say "hi" to them"
            STRIPE_SECRET_KEY="[SENSITIVE]"
            TOOLS_DIR="C:\\tools\\bin"
            VERCEL_URL="shop-git-main.vercel.app"

            """
            let path = try cli(p, "vercel", """
            [ "$1 $2" = "env pull" ] && [ "$4" = "--environment=preview" ] && [ "$5" = "--yes" ] || { echo "unexpected args: $*" >&2; exit 64; }
            [ -e "$3" ] && { echo "$3 exists" >&2; exit 65; }
            cat > "$3" <<'EOF'
            \(file)EOF

            """)
            let r = try p.devenv(["mirror", "--json"], env: path)
            #expect(r.status == 0, "\(r.stderr)")
            let pg = try #require(try p.service("postgres")["url"] as? String)
            let env = try p.read(".env")
            #expect(env.contains("DATABASE_URL=\(pg)") || env.contains("DATABASE_URL='\(pg)'"), "\(env)")
            #expect(env.contains("BCRYPT_HASH='$2b$10$abcdefghijklmnopqrstuv'"), "$ kept, quoted so no reader interpolates it: \(env)")
            #expect(env.contains("TOOLS_DIR='C:\\tools\\bin'") || env.contains("TOOLS_DIR=C:\\tools\\bin"), "\(env)")
            #expect(env.contains("GREETING='say \"hi\" to them'"), "\(env)")
            #expect(env.contains("STRIPE_SECRET_KEY=__SET_ME__STRIPE_SECRET_KEY") && !env.contains("VERCEL_URL"))
            let lock = try p.read("devenv.staging.lock")
            #expect(!lock.contains("SENSITIVE"))
            #expect(try p.devenv(["mirror", "--check"], env: path).status == 0)
        }
    }
}
