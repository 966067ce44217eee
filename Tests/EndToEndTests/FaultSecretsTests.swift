import Foundation
import Testing

/// Issue 12's secrets and messages: nothing secret reaches git (a project in a monorepo
/// subfolder included), files holding secrets are 0600 in 0700 folders, no password is in any
/// argv on the host or in a container, manifest commands wait for `devenv trust`, and the
/// listed messages name the real place and the fix.
@Suite(.serialized, .endToEnd) struct FaultSecretsTests {
    static let manifest = "services:\n  postgres: { version: \"15\" }\n  redis: { version: \"7\" }\nenv:\n  api/.env:\n    DATABASE_URL: \"{{postgres.url}}\"\n    REDIS_URL: \"{{redis.url}}\"\n"

    @Test func aMonorepoSubfolderProjectLeavesNoSecretForGitAndDoctorPasses() throws {
        try ProjectFixture.with("mono") { repo in
            #expect(try ProjectFixture.run(["git", "init", "-q", repo.root]).status == 0)
            try repo.write("README.md", "monorepo\n")
            let sub = repo.root + "/services/shop"
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
            try ("name: \(repo.name)\n" + Self.manifest).write(toFile: sub + "/devenv.yml", atomically: true, encoding: .utf8)
            repo.onTearDown { _ = try? ProjectFixture.run([ProjectFixture.binary, "down", "--volumes", "--yes"], cwd: sub, env: ProjectFixture.baseEnv) }
            let up = try ProjectFixture.run([ProjectFixture.binary, "up"], cwd: sub, env: ProjectFixture.baseEnv)
            try #require(up.status == 0, "\(up.stderr)")
            #expect(up.stderr.contains("added .devenv/ to .gitignore"), "said once: \(up.stderr)")
            #expect(up.stdout.contains("api/.env: created (added to .gitignore"), "\(up.stdout)")
            let status = try ProjectFixture.run(["git", "-C", repo.root, "status", "--porcelain", "--untracked-files=all"]).stdout
            let listed = status.split(separator: "\n").map { String($0.dropFirst(3)) }.sorted()
            #expect(listed == ["README.md", "services/shop/.gitignore", "services/shop/devenv.yml"], "git sees no secret-bearing file: \(listed)")
            let again = try ProjectFixture.run([ProjectFixture.binary, "up"], cwd: sub, env: ProjectFixture.baseEnv)
            #expect(!again.stderr.contains(".gitignore") && !again.stdout.contains(".gitignore"), "said only once")
            let doctor = try ProjectFixture.run([ProjectFixture.binary, "doctor", "--json"], cwd: sub, env: ProjectFixture.baseEnv)
            let checks = try JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(checks.first { $0["check"] as? String == "env-ignored" }?["ok"] as? Bool == true, "\(doctor.stdout)")
            #expect(doctor.status == 0, "doctor right after up passes: \(doctor.stdout)")
        }
    }

    @Test func secretsAre0600In0700FoldersAndInNoArgv() throws {
        try ProjectFixture.with("modes") { p in
            try p.manifest(Self.manifest)
            #expect(try p.devenv(["env", "--json"]).status == 0, "claims the stack (status would only propose): its passwords exist before up starts")
            let credentials = ProjectFixture.home + "/stacks/\(p.name)/credentials.json"
            let store = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: credentials))) as? [String: [String: String]] ?? [:]
            let secrets = store.values.flatMap(\.values)
            try #require(secrets.count == 2)

            // Every process on the host while `up` runs, seen from /proc as often as we can look.
            let run = try Fault.Run(p, ["up"])
            var seen = 0, leaks: [String] = []
            while run.running {
                for (_, argv) in Fault.commandLines() {
                    seen += 1
                    let line = argv.joined(separator: " ")
                    if secrets.contains(where: { line.contains($0) }) { leaks.append(line) }
                }
            }
            #expect(run.wait() == 0, "\(run.stderr)")
            #expect(leaks.isEmpty, "a password in a host argv: \(leaks)")
            for id in try p.containerIDs() {
                let inspect = try ProjectFixture.run(["docker", "inspect", "--format", "{{json .Path}} {{json .Args}} {{json .Config.Cmd}} {{json .Config.Entrypoint}}", id]).stdout
                #expect(!secrets.contains { inspect.contains($0) }, "docker inspect shows a password in argv: \(inspect)")
                let inside = try ProjectFixture.run(["docker", "exec", id, "sh", "-c", "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done"]).stdout
                #expect(!inside.isEmpty && !secrets.contains { inside.contains($0) }, "a password in an argv inside the container")
            }
            let redisURL = try #require(try p.service("redis")["url"] as? String)
            #expect(try ProjectFixture.run(["redis-cli", "-u", redisURL, "--no-auth-warning", "PING"]).stdout.contains("PONG"), "the password still works")
            #expect(try ProjectFixture.run(["redis-cli", "-p", "\(try p.service("redis")["port"] as? Int ?? 0)", "PING"]).stdout.contains("NOAUTH"),
                    "and is required")

            let state = p.root + "/.devenv"
            for (path, mode) in [(state, 0o700), (state + "/stacks/\(p.name)", 0o700), (state + "/stacks/\(p.name)/compose.yaml", 0o600),
                                 (state + "/env-written.json", 0o600), (p.root + "/api/.env", 0o600),
                                 (ProjectFixture.home + "/stacks/\(p.name)", 0o700), (credentials, 0o600)] {
                #expect(Fault.mode(path) == mode, "\(path) is \(String(Fault.mode(path), radix: 8)), not \(String(mode, radix: 8))")
            }
            FaultFigures.report("argv scan during up: \(seen) command lines looked at, \(leaks.count) with a password")
        }
    }

    @Test func manifestCommandsRunOnlyOnceTrusted() throws {
        try ProjectFixture.with("trust") { p in
            try p.manifest("services:\n  redis: { version: \"7\" }\nstaging:\n  from: { command: [./bin/staging] }\n")
            try p.write("bin/staging", "#!/bin/sh\ntouch \"$(dirname \"$0\")/ran\"\necho STRIPE_PUBLISHABLE_KEY=pk_test_1\n")
            chmod(p.root + "/bin/staging", 0o755)
            let untrusted = try p.devenv(["mirror"])
            #expect(untrusted.status == 2)
            #expect(untrusted.stderr.contains("asks to run on this machine") && untrusted.stderr.contains("./bin/staging"), "\(untrusted.stderr)")
            #expect(untrusted.stderr.contains("devenv trust"))
            #expect(!FileManager.default.fileExists(atPath: p.root + "/bin/ran"), "nothing ran")
            #expect(try p.devenv(["mirror", "--check"]).status == 2, "the check does not run it either")
            #expect(try p.devenv(["trust", "--check"]).status == 2)

            let trust = try p.devenv(["trust"])
            #expect(trust.status == 0 && trust.stdout.contains("staging.from.command: ./bin/staging"), "\(trust.stdout)")
            #expect(try p.devenv(["trust", "--check"]).status == 0)
            #expect(try p.devenv(["mirror"]).status == 0)
            #expect(FileManager.default.fileExists(atPath: p.root + "/bin/ran"))

            try p.manifest("services:\n  redis: { version: \"7\" }\nstaging:\n  from: { command: [./bin/staging, --all] }\n")
            let changed = try p.devenv(["mirror"])
            #expect(changed.status == 2 && changed.stderr.contains("changed since you trusted it"), "\(changed.stderr)")
            #expect(try p.devenv(["trust", "--revoke"]).status == 0)
        }
    }

    @Test func messagesNameTheRealPlaceAndTheFix() throws {
        try ProjectFixture.with("msgs") { p in
            try p.write("devenv.yml", "name: \(p.name)\nservices:\n  postgres: {}\n  redis: {}\n  postgres: { version: \"15\" }\n")
            let dup = try p.devenv(["status"])
            #expect(dup.status == 2)
            #expect(dup.stderr.contains("devenv.yml:5:3: 'postgres' appears twice in the same map (first at line 3)"), "\(dup.stderr)")
            #expect(!dup.stderr.contains("Context:"), "no dump of the file")

            FileManager.default.createFile(atPath: p.root + "/devenv.yml", contents: Data("name: \(p.name)\nservices:\n  redis: { version: \"7\u{0}\" }\n".utf8))
            let nul = try p.devenv(["status"])
            #expect(nul.status == 2 && nul.stderr.contains("devenv.yml:3:23: a NUL character"), "\(nul.stderr)")

            try p.manifest("services:\n  \(String(repeating: "a", count: 300)): { image: \"redis:7\" }\n")
            let long = try p.devenv(["up"])
            #expect(long.status == 2 && long.stderr.contains("devenv.yml:3:3") && long.stderr.contains("at most 63"), "\(long.stderr)")
            #expect(try ProjectFixture.run(["docker", "network", "ls", "-q", "--filter", "label=dev.devenv.project=\(p.name)"]).stdout.isEmpty, "nothing left behind")

            try p.manifest("services:\n  redis: { version: \"7\" }\n")
            let noCompose = NSTemporaryDirectory() + "devenv-no-compose-\(p.name)"
            try FileManager.default.createDirectory(atPath: noCompose, withIntermediateDirectories: true)
            p.onTearDown { try? FileManager.default.removeItem(atPath: noCompose) }
            let v1 = try p.devenv(["up"], env: ["DOCKER_CONFIG": noCompose])
            #expect(v1.status == 1 && v1.stderr.contains("compose v2") && v1.stderr.contains("cli-plugins"), "an install hint: \(v1.stderr)")
            #expect(!v1.stderr.contains("unknown flag"))

            let blocker = NSTemporaryDirectory() + "devenv-blocker-\(p.name)"
            FileManager.default.createFile(atPath: blocker, contents: Data())
            p.onTearDown { try? FileManager.default.removeItem(atPath: blocker) }
            let state = try p.devenv(["status"], env: ["DEVENV_HOME": blocker + "/home"])
            #expect(state.status == 1 && state.stderr.contains(blocker) && state.stderr.contains("hint:"), "\(state.stderr)")
            #expect(!state.stderr.contains("NSCocoaErrorDomain"))
        }
    }
}
