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

/// Every built-in kind (templates/services/*): it loads, pins an existing-looking version,
/// speaks its own protocol, keeps passwords out of `command:`, and the README's kind table
/// lists it.
@Suite struct CatalogueTests {
    static var catalogue: KindCatalogue { get throws { try TestSupport.templates() } }
    static let names: [String] = (try? TestSupport.templates().names) ?? []

    @Test func atLeastFifteenKindsLoadWithoutProblems() throws {
        let c = try Self.catalogue
        #expect(c.broken.isEmpty, "\(c.broken.mapValues(\.problems))")
        #expect(c.kinds.count >= 15)
    }

    @Test(arguments: names)
    func kindPinsAVersionAndSpeaksItsProtocol(_ name: String) throws {
        let kind = try #require(try Self.catalogue.kinds[name])
        #expect(!kind.version.isEmpty && kind.version != "latest" && !kind.version.hasSuffix("-latest"))
        #expect(kind.version.first?.isNumber == true || kind.version.hasPrefix("v") || kind.version.hasPrefix("RELEASE."),
                "\(name): '\(kind.version)' does not look like a version tag")
        #expect(![ProbeType.tcp, .none].contains(kind.probe.type), "\(name) has a protocol; its probe must speak it")
        #expect(!kind.dotenv.isEmpty, "\(name) writes no .env keys")
        #expect(kind.values.contains { $0.key == "url" } && kind.values.contains { $0.key == "host" } && kind.values.contains { $0.key == "port" })
        #expect(kind.initHints?.images.isEmpty == false, "\(name): devenv init cannot recognise it in a compose file")
        #expect(!kind.description.isEmpty && kind.description != name)
        #expect(kind.composeFragment.contains("healthcheck:"), "\(name)'s compose service has no healthcheck")
    }

    /// A recognisable secret for every secret of every kind (`mysqlRootPassword42`).
    static func secrets() throws -> Credentials.Store {
        var store: Credentials.Store = [:]
        for (name, kind) in try catalogue.kinds {
            store[name] = Dictionary(uniqueKeysWithValues: kind.secrets.map { ($0.name, name + $0.name.replacingOccurrences(of: "_", with: "") + "42") })
        }
        return store
    }

    /// A manifest with one service of every kind, rendered as `up` would write it.
    static func renderAll() throws -> (text: String, plan: StackPlan) {
        let yaml = "name: every\nservices:\n" + names.map { "  \($0): {}\n" }.joined()
        let manifest = try TestSupport.parse(yaml, file: "/projects/every/devenv.yml")
        let plan = try TestSupport.plan(manifest, identity: StackIdentity(project: "every", root: "/projects/every", branch: nil),
                                        secrets: try Self.secrets(), home: TestSupport.tempDir("every"))
        return (try ComposeRenderer.render(plan), plan)
    }

    /// What `devenv compose config --images` lists: a pinned tag for every kind, never
    /// `latest`, nothing from Docker Hub's removed minio/minio.
    @Test func everyImageIsPinnedAndNoneIsDockerHubsMinio() throws {
        let services = try #require(try Yams.compose(yaml: try Self.renderAll().text)?["services"]?.mapping)
        #expect(services.count == Self.names.count)
        for (name, service) in services {
            let image = try #require(service["image"]?.string, "\(name.string ?? "")")
            let (repo, tag) = ImageMap.split(image)
            #expect(tag != nil && tag != "latest", "\(image)")
            #expect(!repo.hasPrefix("minio/") && !repo.hasPrefix("docker.io/minio/"), "\(image)")
        }
    }

    /// No secret value in any service's `command:` or healthcheck (process lists and
    /// `docker inspect` show them): each kind passes passwords in `environment:`.
    @Test func noSecretIsInACommand() throws {
        let (text, plan) = try Self.renderAll()
        let services = try #require(try Yams.compose(yaml: text)?["services"]?.mapping)
        for s in plan.services {
            let service = try #require(services[Node(s.name)])
            let argv = (service["command"]?.sequence ?? []).compactMap(\.string) + (service["healthcheck"]?["test"]?.sequence ?? []).compactMap(\.string)
            #expect(s.secrets.count == s.kind?.secrets.count)
            for (secret, value) in s.secrets {
                #expect(!argv.contains { $0.contains(value) }, "\(s.name)'s \(secret) is in its command or healthcheck")
            }
        }
    }

    @Test(arguments: names)
    func readmeKindTableListsTheKind(_ name: String) throws {
        let readme = try String(contentsOfFile: TestSupport.repoRoot + "/README.md", encoding: .utf8)
        let kind = try #require(try Self.catalogue.kinds[name])
        let row = try #require(readme.split(separator: "\n").first { $0.hasPrefix("| `\(name)` |") }, "README.md has no row for \(name)")
        #expect(row.contains("`\(kind.image):\(kind.version)`"), "README.md's \(name) row does not name its default image \(kind.image):\(kind.version)")
        #expect(row.contains("`\(kind.probe.type.rawValue)"), "README.md's \(name) row does not name its probe \(kind.probe.type.rawValue)")
    }

    /// A manifest written before a kind existed keeps its meaning: a service named like a kind
    /// that describes its own image (`image:` with `ports:` or `ready:`) stays a generic image;
    /// `image:` alone still overrides the kind's image.
    @Test func aServiceNamedLikeAKindWithItsOwnPortsStaysGeneric() throws {
        let m = try TestSupport.parse("""
        services:
          qdrant: { image: "qdrant/qdrant:v1.12.0", ports: { http: 6333 }, ready: { http: /readyz } }
          postgres: { image: "postgis/postgis:16-3.5" }
        """)
        #expect(m.services.first { $0.name == "qdrant" }?.kind == ServiceSpec.genericKind)
        #expect(m.services.first { $0.name == "postgres" }?.kind == "postgres")
        #expect(TestSupport.problems("services:\n  qdrant: { ports: { http: 6333 } }\n").map(\.message).contains { $0.contains("unknown key 'ports'") })
    }

    /// RustFS is what `devenv init` picks for S3 keys in a `.env.example`, over archived MinIO.
    @Test func initSuggestsRustfsForS3Keys() throws {
        let table = InitHintTable(try Self.catalogue)
        for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "S3_BUCKET"] {
            #expect(table.guess(key: key, value: "x")?.0 == "rustfs", "\(key)")
        }
        #expect(table.kind(forImage: "minio/minio")?.name == "minio", "a compose file's MinIO stays MinIO")
        #expect(table.kind(forImage: "rustfs/rustfs")?.name == "rustfs")
        #expect(table.guess(key: "DATABASE_URL", value: "mysql://u:p@db:3306/app")?.0 == "mysql")
        #expect(table.guess(key: "BROKER", value: "amqp://guest:guest@mq:5672")?.0 == "rabbitmq")
        #expect(table.guess(key: "CACHE", value: "redis://cache:6379")?.0 == "redis")
    }
}
