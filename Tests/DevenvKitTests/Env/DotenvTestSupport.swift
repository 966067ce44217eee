import Foundation
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Shared helpers for the dotenv tests: fixtures, a seeded generator, and the real readers
/// (docker compose, python-dotenv, node) run once per batch file.
enum DotenvTestSupport {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/env")

    /// A fresh temporary directory, removed by the caller.
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("devenv-dotenv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    struct ToolFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `argv` (looked up on PATH) with stdout and stderr in files (no pipe can fill up).
    static func run(_ argv: [String], in dir: URL, environment: [String: String] = [:]) throws -> String {
        let out = dir.appendingPathComponent("stdout-\(UUID().uuidString)")
        let err = dir.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.currentDirectoryURL = dir
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            throw ToolFailure(description: "\(argv.joined(separator: " ")) exited \(process.terminationStatus): \(stderr)")
        }
        return stdout
    }

    static func decodeStrings(_ json: String) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        guard let dict = object as? [String: Any] else { throw ToolFailure(description: "not an object: \(json)") }
        return dict.compactMapValues { $0 as? String }
    }

    /// The value docker compose interpolates for each key of `envFile`
    /// (`docker compose --env-file F config`, reading `${KEY}` back out of a one-service file).
    static func composeRead(envFile: URL, keys: [String], in dir: URL,
                            environment: [String: String] = [:]) throws -> [String: String] {
        var env: [String: String] = [:]
        for key in keys { env["V_" + key] = "${" + key + "}" }
        let project: [String: Any] = ["services": ["x": ["image": "scratch", "environment": env]]]
        let composeFile = dir.appendingPathComponent("compose.json")
        try JSONSerialization.data(withJSONObject: project).write(to: composeFile)
        let json = try run(["docker", "compose", "-p", "devenv-dotenv-test", "--env-file", envFile.path,
                            "-f", composeFile.path, "config", "--format", "json"], in: dir, environment: environment)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let services = object?["services"] as? [String: Any]
        let x = services?["x"] as? [String: Any]
        let read = x?["environment"] as? [String: Any] ?? [:]
        var values: [String: String] = [:]
        for key in keys {
            // `config` writes a literal `$` as `$$` so its output stays a valid compose file.
            if let v = read["V_" + key] as? String { values[key] = v.replacingOccurrences(of: "$$", with: "$") }
        }
        return values
    }

    /// What python-dotenv's `dotenv_values` (interpolation on, its default) reads.
    static func pythonRead(envFile: URL, in dir: URL) throws -> [String: String] {
        let script = "import json, sys\nfrom dotenv import dotenv_values\n"
            + "sys.stdout.write(json.dumps({k: v for k, v in dotenv_values(sys.argv[1]).items() if v is not None}))"
        return try decodeStrings(run(["python3", "-c", script, envFile.path], in: dir))
    }

    /// What `node --env-file` puts in `process.env`, for the names starting with `prefix`.
    static func nodeRead(envFile: URL, prefix: String, in dir: URL) throws -> [String: String] {
        let script = "const out = {}; for (const [k, v] of Object.entries(process.env))"
            + " if (k.startsWith(process.argv[1])) out[k] = v; process.stdout.write(JSON.stringify(out));"
        return try decodeStrings(run(["node", "--env-file=" + envFile.path, "-e", script, prefix], in: dir))
    }
}

/// SplitMix64: a small seeded generator so property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum HardValues {
    /// Hand-picked values that break naive writers.
    static let corpus: [String] = [
        "", "plain", "postgres://devenv:s3cr%40t@127.0.0.1:54321/app?sslmode=disable",
        " lead", "trail ", "  both  ", "\tTab\t", "a b c", "it's", "say \"hi\"", "both ' and \"",
        "'single'", "\"double\"", "'", "\"", "`backtick`", "\\'", "\\\"", "$HOME", "$$", "a$", "$", "$1",
        "${HOME}", "${NOPE:-x}", "price: $5", "$ {x}", "back\\slash", "\\\\server\\share", "ends with \\", "\\",
        "\\n literal", "\\$x", "\\0101", "\\t not a tab", "hash # tag", "#start", "a#b", "  # not a comment",
        "key=value=x", "=", "==x", "line1\nline2", "\n", "trailing newline\n", "\nleading newline",
        "cr\rhere", "crlf\r\nend", "unicode é ü 中文 😀", "nbsp\u{A0}inside", "\u{A0}nbsp edge", "\u{85}nel",
        "ls\u{2028}sep", "tab\there", "it's $HOME", "it's $HOME \\ x", "it's ${HOME}", "a\\", "it's\\",
        "multi\nline with 'quote' and \"dq\"", "{\"json\": [1, 2]}", "<html lang=\"en\">", "semi;colon|pipe&amp",
        "export", "export X=1", "\u{7F}del", "\u{1F}unit", "\u{0B}vt\u{0C}ff", "ſ$ſ and $\u{212A}", "%00",
        "x\" junk=1", "'a' 'b'", "\" leading dq", "trailing sq '",
    ]

    private static let alphabet: [Unicode.Scalar] = Array(
        "ab Z09_-=:./'\"$$$\\\\#{}\t\n\r`é中😀\u{A0}?!@%".unicodeScalars)

    /// `count` random values (length 0–16) over an alphabet dense in quoting hazards.
    static func random(count: Int, seed: UInt64) -> [String] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let length = Int.random(in: 0...16, using: &rng)
            var scalars = String.UnicodeScalarView()
            for _ in 0..<length { scalars.append(alphabet.randomElement(using: &rng)!) }
            return String(scalars)
        }
    }

    /// The corpus plus 300 random values, as `(KEY, value)` with keys `V0`, `V1`, …
    static let batch: [(key: String, value: String)] = (corpus + random(count: 300, seed: 0xD07E_4E11))
        .enumerated().map { ("DEVENV_Q\($0.offset)", $0.element) }

    /// One env file holding every value of `batch`, written with `Dotenv.quote`.
    static func writeBatch(to dir: URL) throws -> URL {
        let file = dir.appendingPathComponent("batch.env")
        let text = batch.map { "\($0.key)=\(Dotenv.quote($0.value))\n" }.joined()
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
