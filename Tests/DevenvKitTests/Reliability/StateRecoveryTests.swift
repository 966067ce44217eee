import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Damaged state is rebuilt through the recovery hooks or refused, never silently regenerated.
@Suite struct StateRecoveryTests {
    static func paths() -> DevenvPaths {
        let home = TestSupport.tempDir("recovery")
        return DevenvPaths(environment: ["DEVENV_HOME": home, "HOME": home])
    }

    @Test func anEmptyOrGarbledRegistryIsRebuiltOrRefused() throws {
        var paths = Self.paths()
        try StateFile.makeFolder(paths.home)
        for damage in [Data(), Data("{\"stacks\":".utf8)] {
            try damage.write(to: URL(fileURLWithPath: paths.registryFile))
            #expect(throws: DevenvError.self) { try Registry.read(paths.registryFile) }
            do { _ = try Registry.load(paths); Issue.record("a damaged registry was taken as empty") } catch let e as DevenvError {
                #expect(e.message.contains("damaged") && e.hint?.contains("mv \(paths.registryFile)") == true)
            }
            #expect(FileManager.default.contents(atPath: paths.registryFile) == damage, "left as it was")
        }
        var rebuilt = Registry()
        rebuilt.stacks["shop"] = Registry.Entry(project: "shop", root: "/p", branch: nil, block: 17000, ports: ["postgres": 17000],
                                                composeFile: "/p/c.yaml", created: Date(timeIntervalSince1970: 0), lastUsed: Date(timeIntervalSince1970: 0))
        paths.recovery.registry = { [rebuilt] _ in rebuilt }
        #expect(try Registry.load(paths).stacks["shop"]?.ports == ["postgres": 17000])
        #expect(try Registry.read(paths.registryFile).stacks["shop"] != nil, "written at once")
        let kept = try FileManager.default.contentsOfDirectory(atPath: paths.home).filter { $0.hasPrefix("registry.json.damaged-") }
        #expect(kept.count == 1)
    }

    @Test func damagedCredentialsAreRecoveredOrRefusedNeverRegenerated() throws {
        var paths = Self.paths()
        let file = paths.credentialsFile("shop")
        try StateFile.makeFolder((file as NSString).deletingLastPathComponent)
        try Data("{\"postgres\":".utf8).write(to: URL(fileURLWithPath: file))
        let needs: [(service: String, secrets: [KindSecret])] = [("postgres", [KindSecret(name: "password", length: 24)])]
        do { _ = try Credentials.ensure(stack: "shop", needs: needs, paths: paths); Issue.record("regenerated") } catch let e as DevenvError {
            #expect(e.message.contains(file) && e.hint?.contains("devenv reset") == true)
        }
        #expect(FileManager.default.contents(atPath: file) == Data("{\"postgres\":".utf8))
        paths.recovery.credentials = { _, _ in ["postgres": ["password": "fromTheContainer"]] }
        #expect(try Credentials.ensure(stack: "shop", needs: needs, paths: paths)["postgres"]?["password"] == "fromTheContainer")
        #expect(try Credentials.ensure(stack: "shop", needs: needs, paths: Self.paths())["postgres"]?["password"]?.count == 24)
    }

    /// Which variable of a kind's fragment holds which secret comes from the fragment itself.
    @Test func secretsAreFoundInAContainersEnvironmentByTheKindsOwnFragment() throws {
        let templates = try TestSupport.templates()
        let manifest = try TestSupport.parse("services:\n  postgres: {}\n  redis: {}\n  minio: {}\n", file: "/p/devenv.yml")
        let recovery = CredentialsRecovery(engine: EngineClient.from(environment: ["DOCKER_HOST": "unix:///nonexistent"]), manifest: manifest,
                                           templates: templates, identity: StackIdentity(project: "p", root: "/p", branch: nil), paths: Self.paths())
        for (service, env, expected) in [
            ("postgres", ["PATH=/bin", "POSTGRES_PASSWORD=pgSecret1"], ["password": "pgSecret1"]),
            ("redis", ["REDISCLI_AUTH=redisSecret2"], ["password": "redisSecret2"]),
            ("minio", ["MINIO_ROOT_USER=minioAccess3", "MINIO_ROOT_PASSWORD=minioSecret4"], ["access_key": "minioAccess3", "secret_key": "minioSecret4"]),
        ] {
            let spec = try #require(manifest.services.first { $0.name == service })
            let patterns = try recovery.secretPatterns(spec, kind: try #require(templates.kinds[service]))
            var found: [String: String] = [:]
            CredentialsRecovery.match(patterns, in: env, into: &found)
            #expect(found == expected, "\(service): \(patterns.map(\.key))")
        }
    }
}
