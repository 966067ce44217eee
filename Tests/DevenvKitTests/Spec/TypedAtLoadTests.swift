import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// One typed spec (issue 22, item 5): `staging:` is read once, when devenv.yml loads, and a
/// kind's mirror protocol names the values it reads, checked when the kind loads.
@Suite struct TypedAtLoadTests {
    @Test func stagingIsTypedWhenTheManifestLoads() throws {
        let m = try TestSupport.parse("""
        services: { postgres: {} }
        env:
          api/.env: { DATABASE_URL: "{{postgres.url}}" }
        staging:
          from: { preset: railway, environment: prod }
          keep: [STRIPE_*]
          rewrite: { api.staging.x.app: "localhost:8000" }
          target: api/.env
          timeout: 5
        """)
        let s = try #require(m.staging)
        #expect(s.source == .preset(name: .railway, settings: ["environment": "prod"], extraArgs: []))
        #expect(s.rules.keep == ["STRIPE_*"] && s.target == "api/.env" && s.timeout == 5)
        #expect(m.stagingTemplates.map(\.place) == ["staging.rewrite.api.staging.x.app"])
        #expect(m.stagingTemplates.first.map { ($0.line, $0.column) } ?? (0, 0) == (7, 33))
    }

    @Test func stagingProblemsComeWithTheManifestsOwnEvenBeforeEnv() throws {
        // `target:` is checked against `env:` although `staging:` comes first in the file.
        let p = TestSupport.problems("""
        staging:
          from: { preset: railwya }
          target: web/.env
        services: { postgres: {} }
        env:
          api/.env: { A: "1" }
        isolation: projct
        """).map(\.description)
        #expect(p.contains { $0.hasPrefix("2:19: unknown preset 'railwya'; did you mean 'railway'?") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("3:11: staging.target 'web/.env' is not a file devenv writes") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("7:12: isolation must be 'project' or 'branch'") }, "\(p)")
    }

    @Test func aMirrorProtocolNamesTheValuesItReads() throws {
        let p = try KindLoaderTests.problems("""
        image: x/y
        version: "1"
        ports: { main: 9000 }
        settings:
          bucket: { type: string, default: b }
        values:
          endpoint: "http://127.0.0.1:{{ports.main}}"
        mirror:
          protocol: s3
          names: bucket
        """)
        #expect(p.contains { $0.hasPrefix("9:13: mirror protocol 's3' reads the value 'access_key': add it under values:") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("9:13: mirror protocol 's3' reads the value 'secret_key'") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("10:10: mirror.names 'bucket' is not a list setting of the kind") }, "\(p)")
        #expect(!p.contains { $0.contains("'endpoint'") }, "\(p)")
    }

    @Test func everyBuiltInMirrorKindGivesItsProtocolsValues() throws {
        let kinds = try TestSupport.templates().kinds.values.filter { $0.mirror != nil }
        #expect(kinds.count >= 6)
        for kind in kinds {
            let service = try #require(InfraService(rawValue: kind.mirror!.protocolName))
            for v in service.requiredValues { #expect(kind.values.contains { $0.key == v }, "\(kind.name) lacks \(v)") }
        }
    }

    @Test func aComposeFragmentIsParsedWhenItsKindLoads() throws {
        let root = try KindLoaderTests.kind("k", "image: x/y\nversion: \"1\"\nports: { main: 80 }\n",
                                            compose: "image: \"{{image}}\"\nenvironment:\n  A: [unclosed\n")
        guard case .failure(let e) = KindLoader.load(folder: root + "/services/k") else { Issue.record("loaded"); return }
        #expect(e.file.hasSuffix("/compose.yml"), "\(e.file)")
        #expect(e.problems.first?.line == 4, "\(e.problems)")
        let list = try KindLoaderTests.problems("image: x/y\nversion: \"1\"\n", compose: "- image\n")
        #expect(list.contains { $0.contains("compose.yml must be a map of compose service keys") }, "\(list)")
        // Each value renders on its own: a value with a quote stays one value.
        let kind = try TestSupport.templates().kinds["postgres"]!
        let env = try kind.compose.environment(["user": "u", "password": "p\"w: x", "database": "d"])
        #expect(env.mapped && env.pairs.first { $0.key == "POSTGRES_PASSWORD" }?.value == "p\"w: x")
    }
}
