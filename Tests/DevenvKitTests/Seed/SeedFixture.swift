import Foundation
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
        var planner = StackPlanner(templates: try TestSupport.templates(), imageMap: ImageMap(),
                                   paths: DevenvPaths(environment: ["DEVENV_HOME": root + "/.home", "HOME": root]), portRange: .default)
        planner.isPortFree = { _ in true }
        planner.credentialsOverride = Self.secrets
        plan = try planner.plan(manifest, identity: StackIdentity(project: manifest.name, root: root, branch: nil))
    }

    func items() throws -> [SeedItem] { try SeedOperation.parse(plan, cwd: root) }

    /// The manifest problems seed parsing reports, as `LINE:COLUMN: message`.
    func problems() -> [String] {
        var databases: [String: [String]] = [:]
        for s in plan.services where s.kindName == "postgres" { databases[s.name] = s.context["databases"] as? [String] ?? [] }
        do { _ = try SeedParser(databases: databases).parse(plan.manifest); return [] }
        catch let e as ManifestError { return e.problems.map(\.description) }
        catch { return ["\(error)"] }
    }
}
