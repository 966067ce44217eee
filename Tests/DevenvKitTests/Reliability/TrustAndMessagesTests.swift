import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct TrustAndMessagesTests {
    @Test func trustFollowsTheManifestsContent() throws {
        let root = TestSupport.tempDir("trust")
        let file = root + "/devenv.yml"
        try "services: {}\nstaging:\n  from: { command: [./x] }\n".write(toFile: file, atomically: true, encoding: .utf8)
        let paths = DevenvPaths(environment: ["DEVENV_HOME": root + "/home"])
        let trust = ManifestTrust(paths: paths)
        #expect(try trust.state(of: file) == .untrusted)
        let ctx = DevenvContext(cwd: root, environment: ["DEVENV_HOME": root + "/home"], output: Output(environment: [:], interactive: false), runner: ProcessRunner())
        do { try trust.require(ctx, manifest: file, commands: [["./x", "--token=abc"]], purpose: "to test"); Issue.record("ran untrusted") } catch let e as DevenvError {
            #expect(e.exitCode == .usage && e.hint?.contains("devenv trust") == true)
            #expect(e.details == ["  ./x --token=***"], "secrets in the argv are masked")
        }
        try trust.trust(file)
        #expect(try trust.state(of: file) == .trusted)
        try trust.require(ctx, manifest: file, commands: [["./x"]], purpose: "to test")
        try "services: {}\nstaging:\n  from: { command: [./y] }\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try trust.state(of: file) == .changed)
        #expect(try trust.revoke(file))
        #expect(try trust.state(of: file) == .untrusted)
        var st = stat()
        #expect(stat(root + "/home/trust.json", &st) == 0 && st.st_mode & 0o777 == 0o600)
        let manifest = try TestSupport.parse("services: { redis: {} }\nstaging:\n  from: { command: [./x] }\n  versions: { command: [./v] }\n")
        #expect(TrustOperation.hostCommands(manifest).map(\.place) == ["staging.from.command", "staging.versions.command"])
        let preset = try TestSupport.parse("services: { redis: {} }\nstaging:\n  from: { preset: railway, environment: staging }\n")
        #expect(TrustOperation.hostCommands(preset).isEmpty, "presets are devenv's own argv")
    }

    @Test(arguments: [
        ("services:\n  postgres: {}\n  redis: {}\n  postgres: {}\n", 4, 3, "'postgres' appears twice in the same map (first at line 2)"),
        ("services: { redis: {}, postgres: {}, redis: {} }\n", 1, 38, "'redis' appears twice"),
        ("services:\n  redis:\n    version: \"7\"\n    image: x\n    version: \"6\"\n", 5, 5, "'version' appears twice"),
        ("services:\n  redis: { version: \"7\u{0}\" }\n", 2, 23, "a NUL character (byte 0x00) is not allowed"),
        ("services:\n  \(String(repeating: "x", count: 64)): { image: redis }\n", 2, 3, "at most 63"),
    ])
    func yamlProblemsAreAtTheirRealPlace(_ yaml: String, _ line: Int, _ column: Int, _ message: String) {
        let p = TestSupport.problems(yaml)
        #expect(p.count == 1 && p.first?.line == line && p.first?.column == column && p.first?.message.contains(message) == true, "\(p)")
    }

    @Test func aFileThatIsNotUTF8IsReportedAtTheByte() {
        let p = YamlProblem.notUTF8(Data("name: x\nservices:\n  caf".utf8 + [0xE9]))
        #expect(p.line == 3 && p.column == 6 && p.message.contains("0xE9"))
    }

    /// RFC 7677's test vector for SCRAM-SHA-256.
    @Test func scramMatchesTheRFC() {
        let s = Scram(password: "pencil", nonce: "rOprNGfwEbeRWgbNEkqO", user: "user")
        #expect(s.clientFirst == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
        let final = s.clientFinal(serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        #expect(final == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
        #expect(s.clientFinal(serverFirst: "r=someoneElse,s=AA==,i=1") == nil, "a server nonce must extend ours")
    }

    /// The salted password matches PBKDF2 written with swift-crypto's HMAC, also for a password
    /// longer than SHA-256's block (HMAC hashes such a key first).
    @Test func saltedPasswordIsPBKDF2ForAnyLength() {
        for password in ["pencil", String(repeating: "long-password-", count: 7), String(repeating: "x", count: 64)] {
            let p = Array(password.utf8), salt: [UInt8] = [1, 2, 3, 4, 5]
            var u = hmac(key: p, salt + [0, 0, 0, 1]), expected = u
            for _ in 1..<7 { u = hmac(key: p, u); for i in expected.indices { expected[i] ^= u[i] } }
            #expect(Scram.saltedPassword(p, salt: salt, iterations: 7) == expected, "password of \(p.count) bytes")
        }
    }

    /// Salted passwords are kept on disk (0600) for the next `up`; a file that is not the cache's
    /// shape is replaced, and only the newest keys stay.
    @Test func scramKeysAreKeptOnDiskAndADamagedFileIsReplaced() throws {
        let path = TestSupport.tempDir("scram") + "/cache/scram-keys.json"
        let salted = [UInt8](repeating: 7, count: 32)
        #expect(ScramKeyFile.read("k", at: path) == nil)
        ScramKeyFile.write("k", salted, at: path)
        #expect(ScramKeyFile.read("k", at: path) == salted)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        try "not json {".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ScramKeyFile.read("k", at: path) == nil)
        ScramKeyFile.write("k2", salted, at: path)
        #expect(ScramKeyFile.read("k2", at: path) == salted)
        for i in 0..<(ScramKeyFile.limit + 5) { ScramKeyFile.write("n\(i)", salted, at: path) }
        #expect(ScramKeyFile.entries(path)?.count == ScramKeyFile.limit && ScramKeyFile.read("k2", at: path) == nil)
        try #"[["short", "AAEC"]]"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ScramKeyFile.read("short", at: path) == nil, "a value that is not 32 bytes is not used")
    }

    @Test func composeWithoutV2GetsAnInstallHint() {
        let f = CommandFailure(command: Command("docker", ["compose"]), status: 125, stderr: "unknown flag: --project-name\nSee 'docker --help'.")
        let e = Compose.explain(f)
        #expect(e.message.contains("compose v2") && e.hint?.contains("cli-plugins") == true)
    }

    @Test func aDamagedDataLogLineIsFoundInTheEngineLogStream() {
        var frame: [UInt8] = [2, 0, 0, 0, 0, 0, 0, 0]
        let text = Array("postgres: could not find the database system\n".utf8)
        frame[7] = UInt8(text.count)
        #expect(DataDamage.demultiplex(frame + text) == String(decoding: text, as: UTF8.self))
        #expect(DataDamage.demultiplex(Array("plain\n".utf8)) == "plain\n")
        #expect(DataDamage.hint(service: "postgres", result: .failed(DataDamage.reason("x")))?.contains("devenv reset postgres") == true)
    }
}
