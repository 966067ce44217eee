import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Branch stacks against real plans: which volumes a copy pairs up, what `up` says, and the
/// `.env` record shared by every stack of one project folder.
@Suite struct BranchPlanTests {
    static let manifest = """
    name: shop
    isolation: branch
    services:
      postgres: { version: "15" }
      redis: { version: "7" }
      qdrant:
        image: qdrant/qdrant:v1.12.0
        ports: { http: 6333 }
        volumes: [storage:/qdrant/storage, ./config:/qdrant/config]
    """

    static func plan(root: String, branch: String, home: String) throws -> StackPlan {
        let manifest = try TestSupport.parse(manifest, file: root + "/devenv.yml")
        return try TestSupport.plan(manifest, identity: StackIdentity(project: "shop", root: root, branch: branch),
                                    secrets: ["postgres": ["password": "pg"], "redis": ["password": "rd"]], home: home)
    }

    @Test func aCopyPairsTheVolumesBothStacksHave() throws {
        let home = TestSupport.tempDir("home")
        let plan = try Self.plan(root: "/src/shop", branch: "feature/x", home: home)
        let stack = plan.identity.stack
        let pairs = BranchCopy.pairs(plan, parent: "shop-main", parentVolumes: ["shop-main_postgres-data", "shop-main_storage", "other_redis-data"])
        #expect(pairs.map(\.service) == ["postgres", "qdrant"])
        #expect(pairs.map(\.from) == ["shop-main_postgres-data", "shop-main_storage"])
        #expect(pairs.map(\.to) == ["\(stack)_postgres-data", "\(stack)_storage"])
        #expect(pairs.first?.image == "postgres:15")
        #expect(BranchCopy.pairs(plan, parent: "shop-main", parentVolumes: []).isEmpty)
    }

    @Test func upSaysWhereTheDataCameFromHowAndWhatItCostTheParent() throws {
        let entry = Registry.Entry(project: "shop", root: "/r", branch: "main", block: 17000, ports: [:], composeFile: "", created: Date(), lastUsed: Date())
        let parent = BranchStart.Parent(stack: "shop-main", entry: entry, volumes: [])
        let copy = BranchCopy.Outcome(services: ["postgres", "redis", "qdrant", "minio"], seconds: 2.34, copies: [
            .init(service: "postgres", method: .live, seconds: 2.04, parentUnavailable: 0),
            .init(service: "redis", method: .stopped, seconds: 0.5, parentUnavailable: 1.55, why: "exit 1: CONFIG is disabled", liveFailed: true),
            .init(service: "qdrant", method: .stopped, seconds: 0.71, parentUnavailable: 1.5),
            .init(service: "minio", method: .idle, seconds: 0.3, parentUnavailable: 0),
        ])
        #expect(copy.stoppedParent == ["redis", "qdrant"] && copy.parentDowntime == 1.55)
        #expect(BranchStart.summary(.copy(parent), stack: "shop-x", copy: copy, seedSeconds: nil) == """
            New branch stack shop-x starts with shop-main's data, copied in 2.3s:
              postgres  live copy in 2.0s; shop-main's postgres kept serving (unavailable 0.0s)
              redis     live copy failed (exit 1: CONFIG is disabled); stopped for the copy instead, copied in 0.5s; shop-main's redis was unavailable 1.6s
              qdrant    stopped for the copy (its kind has no live copy), copied in 0.7s; shop-main's qdrant was unavailable 1.5s
              minio     copied in 0.3s (shop-main's minio was not running)
            """)
        var reflinked = BranchCopy.ServiceCopy(service: "postgres", method: .layered, seconds: 0.42, parentUnavailable: 0)
        reflinked.layer = .reflink; reflinked.baseReused = true
        var overlaid = BranchCopy.ServiceCopy(service: "pg2", method: .layered, seconds: 1.21, parentUnavailable: 0)
        overlaid.layer = .overlay; overlaid.baseSeconds = 2.5; overlaid.reflinkFailed = "exit 1: cp: failed to clone"
        #expect(BranchStart.summary(.copy(parent), stack: "shop-x", copy: .init(services: ["postgres", "pg2"], seconds: 1.5, copies: [reflinked, overlaid]),
                                    seedSeconds: nil) == """
            New branch stack shop-x starts with shop-main's data, layered in 1.5s:
              postgres  layered (reflink) in 0.4s, on a base of shop-main's data as it is now (taken earlier, reused); shop-main's postgres kept serving (unavailable 0.0s)
              pg2       reflink clone failed (exit 1: cp: failed to clone); layered (overlay) in 1.2s, on a base of shop-main's data taken live in 2.5s; shop-main's pg2 kept serving (unavailable 0.0s)
            """)
        #expect(BranchStart.summary(.fresh(why: "--fresh"), stack: "shop-x", copy: nil, seedSeconds: 3.01)
            == "New branch stack shop-x started empty: --fresh; seeding took 3.0s.")
        #expect(BranchStart.summary(.existing(note: nil), stack: "shop-x", copy: nil, seedSeconds: 1) == nil)
    }

    /// An engine's answer to "reflinks between volumes?" is kept per engine (one file each);
    /// a file devenv cannot read is no answer, and is left as it is.
    @Test func theEnginesReflinkAnswerIsRememberedPerEngine() throws {
        let paths = DevenvPaths(environment: ["DEVENV_HOME": TestSupport.tempDir("home")])
        let a = EngineStorage.Identity(key: "aaaa", root: "/var/lib/docker"), b = EngineStorage.Identity(key: "bbbb", root: "/xfs/docker")
        #expect(EngineStorage.reflinks(paths, a) == nil)
        EngineStorage.remember(paths, a, reflinks: false, address: "unix:///var/run/docker.sock")
        EngineStorage.remember(paths, b, reflinks: true, address: "unix:///run/xfs.sock")
        #expect(EngineStorage.reflinks(paths, a) == false && EngineStorage.reflinks(paths, b) == true)
        try Data("{damaged".utf8).write(to: URL(fileURLWithPath: EngineStorage.path(paths, key: a.key)))
        EngineStorage.remember(paths, a, reflinks: true, address: "unix:///var/run/docker.sock")
        #expect(EngineStorage.reflinks(paths, a) == nil)
        #expect(FileManager.default.contents(atPath: EngineStorage.path(paths, key: a.key)) == Data("{damaged".utf8))
    }

    /// After a branch switch the `.env` holds the other stack's values: devenv wrote them, so
    /// they are replaced, not kept as a person's edit. A person's edit still wins.
    @Test func switchingBranchesPointsTheEnvFileAtEachStackInTurn() async throws {
        let root = TestSupport.tempDir("envswitch"), home = TestSupport.tempDir("home")
        let ctx = DevenvContext(cwd: root, environment: ["DEVENV_HOME": home], output: Output(environment: [:]), runner: ProcessRunner())
        let main = try Self.plan(root: root, branch: "main", home: home)
        let feature = try Self.plan(root: root, branch: "feature/x", home: home)
        let mainPort = try #require(main.service("postgres")?.mainPort?.host), featurePort = try #require(feature.service("postgres")?.mainPort?.host)
        #expect(mainPort != featurePort)
        func pgport() throws -> String? {
            try String(contentsOfFile: root + "/.env", encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("PGPORT=") }.map { String($0.dropFirst(7)) }
        }
        _ = try await EnvStage.write(main, ctx: ctx, force: false)
        #expect(try pgport() == String(mainPort))
        let toFeature = try await EnvStage.write(feature, ctx: ctx, force: false)
        #expect(try pgport() == String(featurePort))
        #expect(!toFeature.joined().contains("kept your value"))
        _ = try await EnvStage.write(main, ctx: ctx, force: false)
        #expect(try pgport() == String(mainPort))

        let text = try String(contentsOfFile: root + "/.env", encoding: .utf8)
        try text.replacingOccurrences(of: "PGHOST=127.0.0.1", with: "PGHOST=db.local").write(toFile: root + "/.env", atomically: true, encoding: .utf8)
        let edited = try await EnvStage.write(feature, ctx: ctx, force: false)
        #expect(edited.joined().contains("kept your value of PGHOST"))
        #expect(try pgport() == String(featurePort))
    }
}
