import Foundation
import Testing
import Yams
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Fixture manifests beside their committed expected compose.yaml and .env. A test fails
/// when rendering drifts; `UPDATE_GOLDEN=1 swift test` rewrites the expected files.
@Suite struct GoldenComposeTests {
    static let cases = ["postgres", "redis", "mongodb", "minio", "generic", "full",
                        "rustfs", "mysql", "mariadb", "valkey", "memcached", "qdrant", "rabbitmq", "mailpit",
                        "meilisearch", "opensearch", "redpanda", "clickhouse", "localstack", "keycloak"]
    static let secrets: Credentials.Store = [
        "postgres": ["password": "pgSecret0000000000000000"],
        "redis": ["password": "redisSecret0000000000000"],
        "mongodb": ["password": "mongoSecret0000000000000"],
        "minio": ["access_key": "minioAccess000000000", "secret_key": "minioSecret00000000000000000000000000000"],
        "rustfs": ["access_key": "rustfsAccess00000000", "secret_key": "rustfsSecret0000000000000000000000000000"],
        "mysql": ["password": "mysqlSecret0000000000000", "root_password": "mysqlRoot000000000000000"],
        "mariadb": ["password": "mariadbSecret00000000000", "root_password": "mariadbRoot0000000000000"],
        "valkey": ["password": "valkeySecret000000000000"],
        "qdrant": ["api_key": "qdrantKey00000000000000000000000"],
        "rabbitmq": ["password": "rabbitSecret000000000000"],
        "meilisearch": ["master_key": "meiliMaster00000000000000000000"],
        "clickhouse": ["password": "clickhouseSecret00000000"],
        "keycloak": ["admin_password": "keycloakAdmin00000000000"],
    ]

    static func plan(_ name: String) throws -> StackPlan {
        let dir = TestSupport.fixtures + "/golden/" + name
        let text = try String(contentsOfFile: dir + "/devenv.yml", encoding: .utf8)
        let root = "/projects/\(name)"
        let manifest = try TestSupport.parse(text, file: root + "/devenv.yml")
        return try TestSupport.plan(manifest, identity: StackIdentity(project: manifest.name, root: root, branch: nil), secrets: secrets,
                                    home: TestSupport.tempDir("golden"), imageMap: ImageMap(rules: ["postgres:15": "stand-in/postgres:15"]))
    }

    static func envText(_ plan: StackPlan) throws -> String {
        try EnvStage.targets(plan).map { t in
            "# \(t.path)\n" + t.values.map { "\($0.key)=\($0.value)\n" }.joined()
        }.joined()
    }

    static func compare(_ actual: String, _ path: String) throws {
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "rendering drifted from \(path); rerun with UPDATE_GOLDEN=1 if the change is intended")
    }

    @Test(arguments: cases)
    func composeMatchesGolden(_ name: String) throws {
        let plan = try Self.plan(name)
        try Self.compare(try ComposeRenderer.render(plan), TestSupport.fixtures + "/golden/\(name)/compose.yaml")
        try Self.compare(try Self.envText(plan), TestSupport.fixtures + "/golden/\(name)/env.expected")
    }

    /// Every expected file is a valid compose file for the real compose parser.
    @Test(arguments: cases)
    func goldenPassesComposeConfig(_ name: String) throws {
        let file = TestSupport.fixtures + "/golden/\(name)/compose.yaml"
        let (status, _, err) = try TestSupport.run(["docker", "compose", "--file", file, "config", "--quiet"])
        #expect(status == 0, "docker compose config rejected \(file): \(err)")
    }

    @Test func everyPortIsOnLoopbackWithLabelsAndRestart() throws {
        let text = try ComposeRenderer.render(try Self.plan("full"))
        let services = try #require(try Yams.compose(yaml: text)?["services"]?.mapping)
        #expect(services.count == 4)
        for (_, service) in services {
            let ports = service["ports"]?.sequence?.compactMap(\.string) ?? []
            #expect(!ports.isEmpty)
            #expect(ports.allSatisfy { $0.hasPrefix("127.0.0.1:") })
            #expect(service["restart"]?.string == "unless-stopped")
            #expect(service["healthcheck"]?["test"] != nil)
            for label in ["dev.devenv.stack", "dev.devenv.project", "dev.devenv.root", "dev.devenv.branch"] {
                #expect(service["labels"]?[label] != nil)
            }
        }
        #expect(!text.contains("0.0.0.0"))
    }

    @Test func imageMappingRewritesBeforeCompose() throws {
        let manifest = try TestSupport.parse("services: { postgres: { version: \"15\" } }", file: "/p/devenv.yml")
        let plan = try TestSupport.plan(manifest, identity: StackIdentity(project: "p", root: "/p", branch: nil), secrets: [:],
                                        home: TestSupport.tempDir("map"), imageMap: ImageMap(rules: ["postgres:15": "mirror.corp/pg:15"]))
        #expect(try ComposeRenderer.render(plan).contains("image: \"mirror.corp/pg:15\""))
    }
}
