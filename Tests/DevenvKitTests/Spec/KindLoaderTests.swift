import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `service.yml` is validated like devenv.yml: every problem at its line and column, in the
/// kind's own file, and a broken kind fails only the manifests that use it.
@Suite struct KindLoaderTests {
    /// A kind folder under a temporary templates folder.
    static func kind(_ name: String, _ yaml: String, compose: String = "image: \"{{image}}\"\n") throws -> String {
        let root = TestSupport.tempDir("kind")
        let folder = root + "/services/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try yaml.write(toFile: folder + "/service.yml", atomically: true, encoding: .utf8)
        try compose.write(toFile: folder + "/compose.yml", atomically: true, encoding: .utf8)
        return root
    }

    static func problems(_ yaml: String, compose: String = "image: \"{{image}}\"\n") throws -> [String] {
        let root = try kind("k", yaml, compose: compose)
        switch KindLoader.load(folder: root + "/services/k") {
        case .success: return []
        case .failure(let e): return e.problems.map(\.description)
        }
    }

    @Test func everyBuiltInKindLoadsAndIsPinned() throws {
        let catalogue = try TestSupport.templates()
        #expect(catalogue.broken.isEmpty, "\(catalogue.broken.mapValues { $0.problems.map(\.description) })")
        for kind in catalogue.kinds.values {
            #expect(kind.version != "latest" && !kind.version.isEmpty, "\(kind.name) must pin its version")
            #expect(!kind.image.hasPrefix("minio/"), "\(kind.name): minio/minio is gone from Docker Hub")
        }
    }

    /// Loading the catalogue lists kinds; a kind is read when first asked for, once, and every
    /// copy of the catalogue (the plan's, the project's) shares that read.
    @Test func aKindIsReadWhenFirstAskedForAndCopiesShareTheRead() throws {
        let root = try Self.kind("cache", "image: x/cache\nversion: \"1\"\nports: { main: 6000 }\n")
        try FileManager.default.createDirectory(atPath: root + "/services/queue", withIntermediateDirectories: true)
        try "image: x/queue\nversion: \"2\"\nports: { main: 7000 }\n".write(toFile: root + "/services/queue/service.yml", atomically: true, encoding: .utf8)
        try "image: \"{{image}}\"\n".write(toFile: root + "/services/queue/compose.yml", atomically: true, encoding: .utf8)
        let catalogue = try KindCatalogue.load(searchPath: [root], builtin: [:])
        #expect(catalogue.names == ["cache", "queue"])
        // Not read yet: what the folder says when first asked for is what counts.
        try "image: x/queue\nversion: \"3\"\nports: { main: 7000 }\n".write(toFile: root + "/services/queue/service.yml", atomically: true, encoding: .utf8)
        let copy = catalogue
        #expect(copy.kind(named: "queue")?.version == "3")
        // Read once, by the copy: the original has it too, even with the folder gone.
        try FileManager.default.removeItem(atPath: root + "/services/queue")
        #expect(catalogue.kind(named: "queue")?.version == "3")
        #expect(catalogue.kind(named: "cache")?.version == "1")
        #expect(catalogue.kind(named: "nope") == nil && catalogue.problems(of: "nope") == nil)
    }

    /// A broken folder kind is a problem only for what asks for it.
    @Test func aBrokenKindIsReportedWhenAskedForAndInBroken() throws {
        let root = try Self.kind("bad", "image: x/bad\nversion: \"1\"\nports: { main: 6000 }\nprobe: { type: htp }\n")
        let catalogue = try KindCatalogue.load(searchPath: [root], builtin: [:])
        #expect(catalogue.kind(named: "bad") == nil)
        #expect(catalogue.problems(of: "bad")?.problems.first?.description.contains("unknown probe 'htp'") == true)
        #expect(catalogue.broken.keys.sorted() == ["bad"] && catalogue.kinds.isEmpty)
    }

    @Test func unknownProbeSettingTypeAndKeysAreProblemsAtTheirPlace() throws {
        let p = try Self.problems("""
        image: x/y
        version: "1"
        ports: { main: 80 }
        probe: { type: htp }
        settings:
          topics: { type: lsit }
        valeus: {}
        """)
        #expect(p.contains { $0.hasPrefix("4:16: unknown probe 'htp'; did you mean 'http'?") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("6:19: unknown setting type 'lsit'; did you mean 'list'?") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("7:1: unknown key 'valeus' in service.yml; did you mean 'values'?") }, "\(p)")
    }

    /// `init.aliases` name variables of compose.yml's environment (mariadb's MYSQL_* for its MARIADB_*).
    @Test func initAliasesNameVariablesOfTheComposeEnvironment() throws {
        let p = try Self.problems("""
        image: x/y
        version: "1"
        ports: { main: 80 }
        init:
          images: [x/y]
          aliases: { OLD_PASSWORD: NEW_PASSWROD }
        """, compose: "image: \"{{image}}\"\nenvironment:\n  NEW_PASSWORD: secret\n")
        #expect(p.contains { $0.hasPrefix("6:28: init.aliases.OLD_PASSWORD: 'NEW_PASSWROD' is not a variable of compose.yml's environment; did you mean 'NEW_PASSWORD'?") }, "\(p)")
        let mariadb = try #require(try TestSupport.templates().kinds["mariadb"])
        #expect(InitMapper.ownedEnv(mariadb)["MYSQL_PASSWORD"] == InitMapper.ownedEnv(mariadb)["MARIADB_PASSWORD"], "an alias is the kind's own")
    }

    /// `copy.layered`: a base command (required), a `current` command (optional), each
    /// checked like `copy.live`; the built-in postgres kind has both.
    @Test func copyLayeredNeedsABaseAndChecksItsKeys() throws {
        let p = try Self.problems("""
        image: x/y
        version: "1"
        ports: { main: 80 }
        copy:
          layered:
            current: { run: [psql], evn: {} }
        """)
        #expect(p.contains { $0.hasPrefix("6:5: copy.layered needs 'base:'") }, "\(p)")
        #expect(p.contains { $0.contains("unknown key 'evn' in copy.layered.current") }, "\(p)")
        let postgres = try #require(try TestSupport.templates().kinds["postgres"])
        #expect(postgres.layered?.base.run.first == "sh" && postgres.layered?.current?.run.first == "psql")
        #expect(postgres.copy != nil, "the live copy stays, for when layering fails")
    }

    @Test func settingsMustBeTypedNotAList() throws {
        let p = try Self.problems("image: x/y\nversion: \"1\"\nsettings: [topics]\n")
        #expect(p.contains { $0.hasPrefix("3:11: settings must be a map of name → { type: string|int|bool|list") }, "\(p)")
    }

    @Test func versionMustBePinnedAndImageHasNoTag() throws {
        let p = try Self.problems("image: redis:7\nversion: latest\n")
        #expect(p.contains { $0.hasPrefix("1:8: image is the repository only") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("2:10: version must pin a tag (never 'latest')") }, "\(p)")
    }

    @Test func templateKeysAreCheckedInValuesSetupSeedsAndComposeYml() throws {
        let p = try Self.problems("""
        image: x/y
        version: "1"
        ports: { main: 80 }
        settings:
          topics: { type: list, default: [] }
        values:
          url: "http://127.0.0.1:{{ports.mian}}/{{first(topics)}}"
          later: "{{url}}"
        setup:
          - when: topic
            run: ["sh", "-c", "{{#topics}}make {{.}};{{/topics}} {{secret.password}}"]
        seed:
          entries: list
          formats:
            - { match: "*.txt", run: ["load", "{{seed.nope}}", "{{seed.file}}"] }
        """, compose: "image: \"{{image}}\"\nenvironment:\n  X: \"{{urll}}\"\n")
        #expect(p.contains { $0.hasPrefix("7:8: unknown template key '{{ports.mian}}' in values.url; did you mean 'ports.main'?") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("10:11: setup.when 'topic' is not a key of the kind's context; did you mean 'topics'?") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("11:23: unknown template key '{{secret.password}}' in setup.run") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("15:39: unknown template key '{{seed.nope}}' in seed.formats") }, "\(p)")
        #expect(p.contains { $0.contains("compose.yml:3: unknown template key '{{urll}}'; did you mean 'url'?") }, "\(p)")
        #expect(p.count == 5, "\(p)")
    }

    @Test func aBrokenKindFailsOnlyTheManifestThatUsesIt() throws {
        let root = try Self.kind("kafka", "image: x/kafka\nversion: \"3\"\nprobe: kafak\n")
        let catalogue = try KindCatalogue.load(searchPath: [root, TestSupport.repoRoot + "/templates"])
        #expect(catalogue.broken["kafka"] != nil)
        #expect(catalogue.kinds["postgres"] != nil)
        _ = try ManifestLoader(kinds: catalogue).parse("services: { postgres: {} }", file: "/p/devenv.yml")
        do {
            _ = try ManifestLoader(kinds: catalogue).parse("services:\n  kafka: {}\n", file: "/p/devenv.yml")
            Issue.record("expected the kind's problems")
        } catch let e as ManifestError {
            let lines = e.lines(relativeTo: "/")
            #expect(lines.contains { $0.hasPrefix("p/devenv.yml:2:3: kind 'kafka' cannot be used: its folder has 1 problem") }, "\(lines)")
            #expect(lines.contains { $0.hasSuffix("services/kafka/service.yml:3:8: unknown probe 'kafak'; did you mean 'kafka'?") == false && $0.contains("services/kafka/service.yml:3:8: unknown probe 'kafak'") }, "\(lines)")
        }
    }

    @Test func settingsAreTypedInTheManifest() throws {
        let p = TestSupport.problems("""
        services:
          postgres: { databases: "Bad Name" }
          minio: { buckets: [ok-bucket, X] }
        """)
        #expect(p.map(\.description).contains { $0.hasPrefix("2:26: each of databases: 'Bad Name' is not valid (letters, digits, '_' and '-')") }, "\(p)")
        #expect(p.map(\.description).contains { $0.hasPrefix("3:21: each of buckets: 'X' is not valid (3-63 lower-case") }, "\(p)")
    }
}
