import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `setup: - each: SETTING` (one command per item, `{{item}}`) and tool images: RustFS has no
/// S3 client, so its buckets and seeds go through a pinned mc image's throwaway container.
@Suite struct SetupEachTests {
    static let secrets: Credentials.Store = ["files": ["access_key": "rustfsAccess00000000", "secret_key": "rustfsSecret"]]

    static func plan(_ yaml: String, imageMap: ImageMap = ImageMap()) throws -> StackPlan {
        let manifest = try TestSupport.parse(yaml, file: "/projects/shop/devenv.yml")
        return try TestSupport.plan(manifest, identity: StackIdentity(project: "shop", root: "/projects/shop", branch: nil),
                                    secrets: secrets, home: TestSupport.tempDir("each"), imageMap: imageMap)
    }

    static let mc = "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z"

    @Test func rustfsMakesEachBucketInAnMcContainerWithCredentialsByNameOnly() throws {
        let plan = try Self.plan("services:\n  files: { kind: rustfs, buckets: [uploads, receipts] }\n")
        let s = try #require(plan.service("files"))
        let step = try #require(s.kind?.setup.first)
        let project = ComposeProject(name: "shop", file: plan.composeFile)
        let commands = try SetupCommands.commands(step, service: s, project: project)
        #expect(commands.map(\.argv) == ["uploads", "receipts"].map {
            ["docker", "run", "--rm", "-i", "--network", "shop_default", "--label", "dev.devenv.stack=shop", "-e", "MC_HOST_local",
             Self.mc, "--quiet", "mb", "--ignore-existing", "--region", "us-east-1", "local/\($0)"]
        })
        #expect(commands.allSatisfy { $0.environment == ["MC_HOST_local": "http://rustfsAccess00000000:rustfsSecret@files:9000"] })
        #expect(!commands.contains { $0.argv.contains { $0.contains("rustfsSecret") } })
        #expect(try SetupCommands.commands(step, service: try #require(try Self.plan("services:\n  files: { kind: rustfs }\n").service("files")),
                                           project: project).isEmpty, "no buckets, no command")
    }

    @Test func rustfsSeedsPipeEachFileThroughMc() throws {
        let root = TestSupport.tempDir("rustfs-seed")
        try FileManager.default.createDirectory(atPath: root + "/seeds/uploads/img", withIntermediateDirectories: true)
        try "png".write(toFile: root + "/seeds/uploads/img/logo.png", atomically: true, encoding: .utf8)
        let yaml = "services:\n  files: { kind: rustfs }\nseed:\n  files: { uploads: seeds/uploads }\n"
        let manifest = try TestSupport.parse(yaml, file: root + "/devenv.yml")
        let plan = try TestSupport.plan(manifest, identity: StackIdentity(project: "shop", root: root, branch: nil),
                                        secrets: Self.secrets, home: root + "/.home")
        let v = try SeedFixture.load(yaml, file: root + "/devenv.yml", identity: plan.identity)
        #expect(v.problems.isEmpty, "\(v.problems)")
        let item = try #require(v.manifest.seeds.first)
        let s = try #require(plan.service("files"))
        let project = ComposeProject(name: "shop", file: plan.composeFile)
        let put = try SeedCommands.apply(item, service: s, project: project)
        #expect(Array(put.argv.suffix(6)) == [Self.mc, "--quiet", "pipe", "--attr", "Content-Type=image/png", "local/uploads/img/logo.png"])
        #expect(put.stdinFile == root + "/seeds/uploads/img/logo.png")
        let once = try #require(try SeedCommands.once(item, service: s, project: project))
        #expect(once.key == "uploads")
        #expect(Array(once.command.argv.suffix(6)) == ["--quiet", "mb", "--ignore-existing", "--region", "us-east-1", "local/uploads"])
    }

    /// Tool images go through the machine's image map, like the service's own image.
    @Test func toolImagesAreMapped() throws {
        let plan = try Self.plan("services:\n  files: { kind: rustfs, buckets: [uploads] }\n",
                                 imageMap: ImageMap(rules: ["quay.io/minio/mc": "mirror.corp/mc"]))
        let kind = try #require(plan.service("files")?.kind)
        #expect(kind.setup.first?.tool?.image == "mirror.corp/mc:RELEASE.2025-08-13T08-35-41Z")
        #expect(kind.seed?.tool?.image == "mirror.corp/mc:RELEASE.2025-08-13T08-35-41Z")
    }

    /// A kind folder whose `each:` names no list setting, or whose step uses `{{item}}`
    /// without `each:`, is a problem at its line in its service.yml.
    @Test func eachMustNameAListSetting() throws {
        let dir = TestSupport.tempDir("each-kind") + "/services/thing"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "image: \"{{image}}\"\n".write(toFile: dir + "/compose.yml", atomically: true, encoding: .utf8)
        try """
        image: example/thing
        version: "1.0"
        ports: { main: 8080 }
        settings:
          topics: { type: list, default: [] }
          mode: { type: string, default: fast }
        values: { host: 127.0.0.1, port: "{{ports.main}}", url: "http://127.0.0.1:{{ports.main}}" }
        probe: { type: http, path: /ready }
        setup:
          - each: mode
            run: [make, "{{item}}"]
          - run: [make, "{{item}}"]
          - each: topics
            run: [make, "{{item}}"]
        """.write(toFile: dir + "/service.yml", atomically: true, encoding: .utf8)
        guard case .failure(let e) = KindLoader.load(folder: dir) else { Issue.record("the kind loaded"); return }
        let messages = e.problems.map { "\($0.line): \($0.message)" }
        #expect(messages.contains { $0.hasPrefix("10: setup.each 'mode' is not a list setting of the kind") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("12: unknown template key '{{item}}' in setup.run") }, "\(messages)")
        #expect(messages.count == 2, "the third step is fine: \(messages)")
    }
}
