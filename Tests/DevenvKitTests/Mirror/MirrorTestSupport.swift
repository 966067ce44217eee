import Foundation
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

    static let local = LocalServices(
        postgres: .init(url: pgURL, databases: ["myflow", "myflow_test"]),
        mongodb: .init(url: mongoURL, databases: ["myflow"]),
        redis: .init(url: redisURL),
        s3: .init(endpoint: "http://127.0.0.1:54004", accessKey: "localaccess", secretKey: "localsecretkey",
                  region: "us-east-1", buckets: ["uploads", "avatars"]))
}

extension Array where Element == StagingVar {
    subscript(name name: String) -> StagingVar? { first { $0.name == name } }
}

extension Array where Element == MirroredKey {
    subscript(key key: String) -> MirroredKey? { first { $0.key == key } }
}
