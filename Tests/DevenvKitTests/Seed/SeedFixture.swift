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
    var compose: ComposeProject { ComposeProject(name: plan.identity.stack, file: plan.composeFile) }

    static let secrets: Credentials.Store = [
        "postgres": ["password": "pgSecret"], "analytics": ["password": "pgSecret2"], "redis": ["password": "redisSecret"],
        "mongodb": ["password": "mongoSecret"], "minio": ["access_key": "minioAccess", "secret_key": "minioSecret"],
    ]

    init(_ yaml: String, files: [String: String]) throws {
        root = TestSupport.tempDir("seed")
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        let manifest = try TestSupport.parse(yaml, file: root + "/devenv.yml")
        plan = try TestSupport.plan(manifest, identity: StackIdentity(project: manifest.name, root: root, branch: nil),
                                    secrets: Self.secrets, home: root + "/.home")
    }

    var validation: SpecValidation.Result {
        get throws { SpecValidation.run(plan.manifest, kinds: try TestSupport.templates(), identity: plan.identity, imageMap: ImageMap()) }
    }

    /// The seeds, or the usage error a command would print for their problems.
    func items() throws -> [SeedItem] {
        let v = try validation
        if !v.problems.isEmpty { throw ManifestError(file: plan.manifest.file, problems: v.problems).asDevenvError(cwd: root) }
        return v.seeds
    }

    /// The first glob of the kind format that applies `item`.
    func format(_ item: SeedItem) throws -> String {
        let kind = try #require(plan.service(item.service)?.kind?.seed)
        return kind.formats[item.format].match[0]
    }

    /// The manifest problems seed parsing reports, as `LINE:COLUMN: message`.
    func problems() -> [String] { ((try? validation)?.problems ?? []).map(\.description) }
}
