import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// A temporary project folder with seed files, planned with fixed secrets.
struct SeedFixture {
    let root: String
    let plan: StackPlan
    let yaml: String
    var compose: ComposeProject { ComposeProject(name: plan.identity.stack, file: plan.composeFile) }

    static let secrets: Credentials.Store = [
        "postgres": ["password": "pgSecret"], "analytics": ["password": "pgSecret2"], "redis": ["password": "redisSecret"],
        "mongodb": ["password": "mongoSecret"], "minio": ["access_key": "minioAccess", "secret_key": "minioSecret"],
    ]

    init(_ yaml: String, files: [String: String]) throws {
        root = TestSupport.tempDir("seed")
        self.yaml = yaml
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        let manifest = try TestSupport.parse(yaml, file: root + "/devenv.yml")
        plan = try TestSupport.plan(manifest, identity: StackIdentity(project: manifest.name, root: root, branch: nil),
                                    secrets: Self.secrets, home: root + "/.home")
    }

    /// The manifest read as `Project.load` reads it (seeds typed with each service's context),
    /// and every problem.
    static func load(_ yaml: String, file: String, identity: StackIdentity) throws -> (manifest: Manifest, problems: [ManifestProblem]) {
        let kinds = try TestSupport.templates()
        let loader = ManifestLoader(kinds: kinds) { SpecValidation.seedContexts($0, kinds: kinds, identity: identity, imageMap: ImageMap()) }
        let (read, problems) = loader.read(yaml, file: file)
        let manifest = try #require(read)
        return (manifest, problems + SpecValidation.run(manifest, kinds: kinds, identity: identity, imageMap: ImageMap()).problems)
    }

    /// The seeds, or the usage error a command would print for their problems.
    func items() throws -> [SeedItem] {
        let (manifest, problems) = try Self.load(yaml, file: plan.manifest.file, identity: plan.identity)
        if !problems.isEmpty { throw ManifestError(file: plan.manifest.file, problems: problems).asDevenvError(cwd: root) }
        return manifest.seeds
    }

    /// The first glob of the kind format that applies `item`.
    func format(_ item: SeedItem) throws -> String {
        let kind = try #require(plan.service(item.service)?.kind?.seed)
        return kind.formats[item.format].match[0]
    }

    /// The manifest problems seed parsing reports, as `LINE:COLUMN: message`.
    func problems() -> [String] { ((try? Self.load(yaml, file: plan.manifest.file, identity: plan.identity))?.problems ?? []).map(\.description) }
}
