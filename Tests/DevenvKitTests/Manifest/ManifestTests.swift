import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct ManifestTests {
    @Test func readsTheDesignSketch() throws {
        let m = try TestSupport.parse("""
        name: myflow
        isolation: branch
        services:
          postgres: { version: "16", databases: [myflow, myflow_test] }
          mongodb:  { version: "7.0" }
          redis:    {}
          minio:    { buckets: [uploads] }
          qdrant:
            image: qdrant/qdrant:v1.12.0
            ports: { http: 6333 }
            ready: { http: /readyz }
        env:
          api/.env:
            DATABASE_URL: "{{postgres.url}}"
        ports: { api: 8000 }
        """)
        #expect(m.name == "myflow")
        #expect(m.isolation == .branch)
        #expect(m.services.map(\.name) == ["postgres", "mongodb", "redis", "minio", "qdrant"])
        #expect(m.services[0].settings["databases"] == .list(["myflow", "myflow_test"]))
        #expect(m.services[3].settings["buckets"] == .list(["uploads"]))
        #expect(m.services[4].kind == "generic")
        #expect(m.services[4].ready == .http(path: "/readyz", port: nil))
        #expect(m.envTargets.first?.keys.first?.template == "{{postgres.url}}")
        #expect(m.appPorts == [AppPort(name: "api", port: 8000)])
    }

    @Test func nameDefaultsToTheFolder() throws {
        let m = try TestSupport.parse("services: { redis: {} }", file: "/home/me/alwrity/devenv.yml")
        #expect(m.name == "alwrity")
        #expect(m.root == "/home/me/alwrity")
    }

    @Test func reportsEveryProblemWithLineColumnAndSuggestion() {
        let problems = TestSupport.problems("""
        name: demo
        servics:
          postgres: { verison: "15", port: notaport }
          mongo: {}
        isolation: brnch
        """)
        let text = problems.map(\.description)
        #expect(problems.count == 5)
        #expect(text.contains { $0.hasPrefix("2:1:") && $0.contains("did you mean 'services'") })
        #expect(text.contains { $0.hasPrefix("3:15:") && $0.contains("did you mean 'version'") })
        #expect(text.contains { $0.hasPrefix("3:36:") && $0.contains("port number") })
        #expect(text.contains { $0.hasPrefix("4:3:") && $0.contains("did you mean 'mongodb'") })
        #expect(!text.contains { $0.contains("missing 'services:'") })
    }

    @Test func invalidYAMLNamesTheLine() {
        let problems = TestSupport.problems("services:\n  postgres: { version: \"15\"\n")
        #expect(problems.count == 1)
        #expect(problems[0].message.contains("invalid YAML"))
        #expect(problems[0].line == 3)
    }

    @Test func genericServiceNeedsAnImageAndUnknownKeysAreNamed() {
        let text = TestSupport.problems("""
        services:
          typesense: { image: typesense/typesense, prots: { http: 8108 } }
          search: { ports: { http: 1 } }
        """).map(\.description)
        #expect(text.contains { $0.contains("'prots'") && $0.contains("did you mean 'ports'") })
        #expect(text.contains { $0.contains("'search' is not a known kind") })
    }

    @Test func duplicatePinnedPortsAndUnknownSeedTargets() {
        let text = TestSupport.problems("""
        services:
          postgres: { port: 5432 }
          analytics: { kind: postgres, port: 5432 }
        seed:
          postgress: [db/seed.sql]
        """).map(\.description)
        #expect(text.contains { $0.contains("both pin host port 5432") })
        #expect(text.contains { $0.contains("seed for unknown service 'postgress'") && $0.contains("did you mean 'postgres'") })
    }

    @Test func findsTheManifestWalkingUp() throws {
        let root = TestSupport.tempDir("find")
        try "services: { redis: {} }".write(toFile: root + "/devenv.yml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        #expect(ManifestLoader.find(from: root + "/a/b") == root + "/devenv.yml")
    }

    @Test func suggestions() {
        #expect(Suggest.nearest("verison", among: ["version", "image"]) == "version")
        #expect(Suggest.nearest("mongo", among: ["minio", "mongodb", "postgres"]) == "mongodb")
        #expect(Suggest.nearest("zzzzzz", among: ["version"]) == nil)
    }
}
