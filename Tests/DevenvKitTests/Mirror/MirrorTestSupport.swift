import Foundation
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Shared bits of the mirror tests: fixtures beside this file, a tiny dotenv reader standing in
/// for `Dotenv.parse`, and a local stack like the one `devenv up` plans.
enum MirrorFixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
    }

    /// Test-only: `KEY=value` lines, `#` comments, optional `export `, one level of quotes.
    static let dotenv: DotenvParser = { text in
        try text.split(whereSeparator: \.isNewline).compactMap { raw in
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { return nil }
            if line.hasPrefix("export ") { line.removeFirst(7) }
            guard let eq = line.firstIndex(of: "=") else { throw DevenvError("line without '='") }
            var value = String(line[line.index(after: eq)...])
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            return (key: String(line[..<eq]).trimmingCharacters(in: .whitespaces), value: value)
        }
    }

    static let pgURL = "postgres://devenv:LocalPgPw@127.0.0.1:54001/myflow"
    static let mongoURL = "mongodb://devenv:LocalMongoPw@127.0.0.1:54002/myflow?authSource=admin"
    static let redisURL = "redis://:LocalRedisPw@127.0.0.1:54003/0"

    /// The built-in kinds' mirror vocabulary (URL schemes, version names), from templates/.
    static let vocabulary = MirrorVocabulary(try! TestSupport.templates())

    static let local = LocalServices(
        postgres: .init(url: pgURL, databases: ["myflow", "myflow_test"]),
        mongodb: .init(url: mongoURL, databases: ["myflow"]),
        redis: .init(url: redisURL),
        s3: .init(endpoint: "http://127.0.0.1:54004", accessKey: "localaccess", secretKey: "localsecretkey",
                  region: "us-east-1", buckets: ["uploads", "avatars"]),
        vocabulary: vocabulary)
}

extension Array where Element == StagingVar {
    subscript(name name: String) -> StagingVar? { first { $0.name == name } }
}

extension Array where Element == MirroredKey {
    subscript(key key: String) -> MirroredKey? { first { $0.key == key } }
}

/// A runner answering each command through `route` (by its argv), recording the commands.
final class RoutedRunner: ProcessRunning, @unchecked Sendable {
    private let route: (Command) throws -> CommandResult
    private(set) var commands: [Command] = []
    private let lock = NSLock()

    init(_ route: @escaping (Command) throws -> CommandResult) { self.route = route }

    func capture(_ command: Command) async throws -> CommandResult {
        lock.withLock { commands.append(command) }
        return try route(command)
    }
    func attach(_ command: Command) async throws -> Int32 { 0 }

    static func ok(_ stdout: String, stderr: String = "") -> CommandResult { CommandResult(status: 0, stdout: stdout, stderr: stderr) }
}

/// A temp project for `MirrorOperation` with any runner: `name: shop`, Postgres and Redis,
/// the given `env:` and `staging:` text, its own DEVENV_HOME.
struct MirrorProject {
    let root: String
    let ctx: DevenvContext

    init(_ staging: String, env: String = "", runner: ProcessRunning, environment extra: [String: String] = [:]) throws {
        root = TestSupport.tempDir("mirror-op")
        let home = TestSupport.tempDir("mirror-home")
        let manifest = "name: shop\nservices:\n  postgres: { version: \"15\", databases: [shop] }\n  redis: { version: \"7\" }\n" + env + staging
        try manifest.write(toFile: root + "/devenv.yml", atomically: true, encoding: .utf8)
        let environment = ["DEVENV_HOME": home, "DEVENV_CONFIG_HOME": home, "DEVENV_TEMPLATES": TestSupport.repoRoot + "/templates",
                           "DEVENV_PORT_RANGE": "24000-24999", "HOME": home].merging(extra) { $1 }
        ctx = DevenvContext(cwd: root, environment: environment, output: Output(environment: environment), runner: runner)
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: root + "/" + path, encoding: .utf8) }
    func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: ((root + "/" + path) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: root + "/" + path, atomically: true, encoding: .utf8)
    }
    /// The target file's values as compose reads them.
    func values(_ path: String) throws -> [String: String] {
        Dictionary(try Dotenv.parse(read(path) ?? "", file: path).map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }
    func mirror(_ change: (inout MirrorOperation.Options) -> Void = { _ in }) async throws -> MirrorReport {
        var o = MirrorOperation.Options()
        change(&o)
        return try await MirrorOperation.run(ctx, options: o)
    }
    func plan() throws -> StackPlan { try EnvOperation.plan(ctx, branch: false, claim: true) }
}
