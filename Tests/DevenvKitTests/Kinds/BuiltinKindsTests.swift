import Foundation
import Testing
@testable import DevenvPlatform
@testable import DevenvCore
@testable import DevenvSpec

/// The kinds are compiled into the binary; a team's folders still add and override them.
@Suite("Kinds: compiled in, folders override")
struct BuiltinKindsTests {
    static let services = TestSupport.repoRoot + "/templates/services"

    @Test func everyKindFolderOfTheSourceTreeIsCompiledInByteForByte() throws {
        let kinds = try FileManager.default.contentsOfDirectory(atPath: Self.services).filter { !$0.hasPrefix(".") }
        #expect(kinds.count >= 18)
        var files = 0
        for kind in kinds {
            for file in try FileManager.default.contentsOfDirectory(atPath: Self.services + "/" + kind) where !file.hasPrefix(".") {
                let text = try String(contentsOfFile: Self.services + "/\(kind)/\(file)", encoding: .utf8)
                #expect(BuiltinKinds.files["\(kind)/\(file)"] == text, "\(kind)/\(file)")
                files += 1
            }
        }
        #expect(BuiltinKinds.files.count == files)
        let catalogue = try KindCatalogue.load(searchPath: ["/nonexistent"])
        #expect(Set(catalogue.kinds.keys) == Set(kinds))
        #expect(catalogue.broken.isEmpty)
        #expect(catalogue.overrides.isEmpty)
        #expect(catalogue.kinds["postgres"]?.folder == KindCatalogue.builtinFolder + "/postgres")
    }

    /// Project, then `$DEVENV_TEMPLATES`, then the user's folder, then built in.
    @Test func foldersAddKindsAndOverrideBuiltInOnesInOrder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("devenv-kinds-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        func kind(_ dir: String, _ name: String, from builtin: String, description: String) throws {
            let folder = dir + "/services/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var service = try #require(BuiltinKinds.files[builtin + "/service.yml"])
            service = service.replacingOccurrences(of: #"(?m)^description:.*$"#, with: "description: \(description)", options: .regularExpression)
            try service.write(toFile: folder + "/service.yml", atomically: true, encoding: .utf8)
            try #require(BuiltinKinds.files[builtin + "/compose.yml"]).write(toFile: folder + "/compose.yml", atomically: true, encoding: .utf8)
        }
        let project = root + "/app/.devenv/templates", user = root + "/config/templates"
        try kind(project, "redis", from: "redis", description: "the project's redis")
        try kind(user, "redis", from: "redis", description: "the user's redis")
        try kind(user, "postgres", from: "postgres", description: "the user's postgres")
        try kind(user, "cache", from: "redis", description: "a kind of the team's own")
        let path = KindCatalogue.defaultSearchPath(environment: ["HOME": root, "DEVENV_CONFIG_HOME": root + "/config"], projectRoot: root + "/app")
        #expect(path == [project, user])
        let catalogue = try KindCatalogue.load(searchPath: path)
        #expect(catalogue.kinds["redis"]?.description == "the project's redis")
        #expect(catalogue.kinds["postgres"]?.description == "the user's postgres")
        #expect(catalogue.kinds["cache"]?.description == "a kind of the team's own")
        #expect(catalogue.kinds["mongodb"]?.folder == KindCatalogue.builtinFolder + "/mongodb")
        #expect(catalogue.overrides == ["redis": project + "/services/redis", "postgres": user + "/services/postgres"])
        #expect(KindCatalogue.defaultSearchPath(environment: ["HOME": root, "DEVENV_TEMPLATES": "/team/kinds"], projectRoot: nil)
                == ["/team/kinds", root + "/.config/devenv/templates"])
    }

    /// A Mustache syntax error in a kind's template is a `service.yml:LINE` problem when the
    /// kind loads, not a failure after the containers have started.
    @Test func aTemplateThatDoesNotParseIsAProblemAtItsLine() throws {
        var service = try #require(BuiltinKinds.files["redis/service.yml"])
        service += "\nsetup:\n  - run: [redis-cli, \"{{#ports}}unclosed\"]\n"
        let lines = service.split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(lines.firstIndex { $0.contains("unclosed") }) + 1
        guard case .failure(let error) = KindLoader.load(name: "redis", folder: "/k/redis", serviceYAML: service,
                                                         composeYAML: try #require(BuiltinKinds.files["redis/compose.yml"])) else {
            Issue.record("the kind loaded"); return
        }
        let problem = try #require(error.problems.first { $0.message.contains("not a valid Mustache template") })
        #expect(problem.line == line)
        #expect(error.file == "/k/redis/service.yml")

        guard case .failure(let fragment) = KindLoader.load(name: "redis", folder: "/k/redis", serviceYAML: try #require(BuiltinKinds.files["redis/service.yml"]),
                                                            composeYAML: "image: {{image}}\ncommand: [\"{{#name}}x\"]\n") else {
            Issue.record("the fragment loaded"); return
        }
        #expect(fragment.problems.contains { $0.message.contains("not a valid Mustache template") })   // at the line where the parser stopped
    }

    /// A built-in kind's regular expressions are not compiled when it loads (each command would
    /// pay for ICU's start-up); this is the check they get instead, every one of them, as a
    /// folder kind's.
    @Test func everyBuiltInKindPassesTheChecksOfAFolderKind() throws {
        let names = Set(BuiltinKinds.files.keys.compactMap { $0.split(separator: "/").first.map(String.init) })
        #expect(names.count >= 18)
        for name in names.sorted() {
            let service = try #require(BuiltinKinds.files[name + "/service.yml"]), compose = try #require(BuiltinKinds.files[name + "/compose.yml"])
            let checked = KindLoader.load(name: name, folder: "templates/services/" + name, serviceYAML: service, composeYAML: compose, builtin: false)
            if case .failure(let e) = checked { Issue.record("\(name): \(e.problems.map(\.message))") }
        }
        // The check is the regular expressions': a folder kind with a broken one is told so.
        var broken = try #require(BuiltinKinds.files["postgres/service.yml"])
        broken = broken.replacingOccurrences(of: "rows: '^COPY", with: "rows: '^(COPY")
        guard case .failure(let e) = KindLoader.load(name: "postgres", folder: "f", serviceYAML: broken, composeYAML: BuiltinKinds.files["postgres/compose.yml"]!) else {
            Issue.record("a kind with an unbalanced pattern loaded"); return
        }
        #expect(e.problems.contains { $0.message.contains("upgrade.copied.rows") })
    }

    /// The named groups of a pattern, read without a regular expression, as the expression did.
    @Test func groupNamesAreThoseTheRegularExpressionFound() throws {
        let re = try NSRegularExpression(pattern: "\\(\\?<([A-Za-z][A-Za-z0-9]*)>")
        let patterns = ["^(?<schema>[a-z]+)\\.(?<table>[a-z_]+)$", "(?<=x)(?<!y)(?<a1>.)(?<1b>.)", "(?<ab", "((?<x>(?<y>z)))", "(?<é>x)(?<ok>y)", "", "(?<"]
            + (BuiltinKinds.files.values.flatMap { $0.split(separator: "\n").map(String.init) })
        for p in patterns {
            let ns = p as NSString
            let expected = re.matches(in: p, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
            #expect(KindLoader.groupNames(p) == expected, "\(p)")
        }
    }
}
