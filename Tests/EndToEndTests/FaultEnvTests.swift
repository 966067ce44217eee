import Foundation
import Testing
import CurrentPlatform

/// Issue 12's `.env` faults: a target devenv cannot read or may not edit stops the command with
/// the file, the reason and the fix, and changes nothing; a file that is not UTF-8 is edited
/// byte for byte; a symbolic link stays a link.
@Suite(.serialized, .endToEnd) struct FaultEnvTests {
    static let manifest = "services:\n  redis: { version: \"7\" }\nenv:\n  .env:\n    REDIS_URL: \"{{redis.url}}\"\n"

    @Test func aLatin1EnvKeepsEveryByte() throws {
        try ProjectFixture.with("latin1") { p in
            try p.manifest(Self.manifest)
            let original: [UInt8] = Array("# caf".utf8) + [0xE9] + Array(" cr\u{e8}me\nMINE=1\n# \u{FF}\u{FE} end\n".utf8.map { $0 })
            FileManager.default.createFile(atPath: p.root + "/.env", contents: Data(original))
            let r = try p.devenv(["env"])
            #expect(r.status == 0, "\(r.stderr)")
            let after = Fault.bytes(p.root + "/.env")
            #expect(Array(after.prefix(original.count)) == original, "every byte of the user's file is where it was")
            let added = String(decoding: after.dropFirst(original.count), as: UTF8.self)
            #expect(added.contains("REDIS_URL=redis://default:"))
            #expect(try p.devenv(["env", "--check"]).status == 0, "the merged file reads back up to date")
            #expect(try p.devenv(["env"]).stdout.contains("up to date"))
            #expect(Array(Fault.bytes(p.root + "/.env").prefix(original.count)) == original)
            FaultFigures.report("env latin1: bytes lost \(zip(original, after).filter { $0 != $1 }.count)")
        }
    }

    @Test func aFolderOrAPipeInPlaceOfTheEnvIsRefusedAndNothingStarts() throws {
        try ProjectFixture.with("envdir") { p in
            try p.manifest(Self.manifest)
            try FileManager.default.createDirectory(atPath: p.root + "/.env", withIntermediateDirectories: true)
            try p.write(".env/keep", "mine\n")
            let env = try p.devenv(["env"])
            #expect(env.status == 1)
            #expect(env.stderr.contains("cannot update .env: it is a folder"), "\(env.stderr)")
            #expect(env.stderr.contains("changed nothing") && env.stderr.contains("hint:"))
            let up = try p.devenv(["up"])
            #expect(up.status == 1 && up.stderr.contains(".env"), "\(up.stderr)")
            #expect(Fault.containers(p.name).isEmpty, "up stopped before starting anything")
            #expect(try p.read(".env/keep") == "mine\n")

            try FileManager.default.removeItem(atPath: p.root + "/.env")
            #expect(mkfifo(p.root + "/.env", 0o644) == 0)
            let fifo = try p.devenv(["env"])
            #expect(fifo.status == 1 && fifo.stderr.contains("not a regular file"), "a FIFO is refused, not read (no hang): \(fifo.stderr)")
        }
    }

    /// Root reads a 0000 file, so as root the test drops to `nobody` (setpriv) for the run.
    @Test func anUnreadableEnvIsRefused() throws {
        try ProjectFixture.with("envperm") { p in
            try p.manifest(Self.manifest)
            try p.write(".env", "SECRET_OF_MINE=1\n")
            chmod(p.root + "/.env", 0)
            var argv = [ProjectFixture.binary, "env"]
            var home = ProjectFixture.home
            if getuid() == 0 {
                guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
                home = NSTemporaryDirectory() + "devenv-nobody-\(p.name)"
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
                chown(home, 65534, 65534)
                chmod(p.root, 0o755)
                argv = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
                p.onTearDown { try? FileManager.default.removeItem(atPath: home) }
            }
            let r = try ProjectFixture.run(argv, cwd: p.root, env: ["DEVENV_HOME": home, "NO_COLOR": "1", "HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own])
            #expect(r.status == 1)
            #expect(r.stderr.contains("cannot update .env: Permission denied"), "\(r.stderr)")
            chmod(p.root + "/.env", 0o600)
            #expect(try p.read(".env") == "SECRET_OF_MINE=1\n")
        }
    }

    @Test func aLinkInsideTheProjectIsEditedInPlaceAndOneOutsideIsRefused() throws {
        try ProjectFixture.with("envlink") { p in
            try p.manifest(Self.manifest)
            try p.write("config/shared.env", "# shared\nMINE=1\n")
            chmod(p.root + "/config/shared.env", 0o640)
            #expect(symlink("config/shared.env", p.root + "/.env") == 0)
            let r = try p.devenv(["env"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("edited through the link"), "\(r.stdout)")
            let dest = try FileManager.default.destinationOfSymbolicLink(atPath: p.root + "/.env")
            #expect(dest == "config/shared.env", "the link stays a link")
            let text = try p.read("config/shared.env")
            #expect(text.hasPrefix("# shared\nMINE=1\n") && text.contains("REDIS_URL="))
            #expect(Fault.mode(p.root + "/config/shared.env") == 0o640, "the target keeps its mode")

            let outside = NSTemporaryDirectory() + "\(p.name)-outside.env"
            try "OUTSIDE=1\n".write(toFile: outside, atomically: true, encoding: .utf8)
            p.onTearDown { try? FileManager.default.removeItem(atPath: outside) }
            unlink(p.root + "/.env")
            #expect(symlink(outside, p.root + "/.env") == 0)
            let refused = try p.devenv(["env"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("outside the project"), "\(refused.stderr)")
            #expect(try String(contentsOfFile: outside, encoding: .utf8) == "OUTSIDE=1\n")
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: p.root + "/.env")) == outside)

            unlink(p.root + "/.env")
            #expect(symlink("missing.env", p.root + "/.env") == 0)
            let dangling = try p.devenv(["env"])
            #expect(dangling.status == 1 && dangling.stderr.contains("does not exist"), "\(dangling.stderr)")
        }
    }

    /// `mirror` writes its target with the same code: a folder there changes nothing.
    @Test func mirrorRefusesATargetItCannotRead() throws {
        try ProjectFixture.with("mirrordir") { p in
            try p.manifest(Self.manifest + "staging:\n  from: { file: staging.env }\n")
            try p.write("staging.env", "STRIPE_PUBLISHABLE_KEY=pk_test_1\nREDIS_URL=redis://staging:6379\n")
            try FileManager.default.createDirectory(atPath: p.root + "/.env", withIntermediateDirectories: true)
            let r = try p.devenv(["mirror"])
            #expect(r.status == 1 && r.stderr.contains("cannot update .env: it is a folder"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: p.root + "/devenv.staging.lock"), "nothing was written")
        }
    }
}
