import Foundation
import Testing
import Yams
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Every devenv.yml in README.md's "Processes" section loads, validates and plans as written.
@Suite struct ReadmeProcessExamplesTests {
    static func examples() throws -> [String] {
        let readme = try String(contentsOfFile: TestSupport.repoRoot + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "\n## Processes"))
        let rest = readme[start.upperBound...]
        let section = String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
        let re = try NSRegularExpression(pattern: "```yaml\n(.*?)```", options: .dotMatchesLineSeparators)
        return re.matches(in: section, range: NSRange(section.startIndex..., in: section)).compactMap { m in
            Range(m.range(at: 1), in: section).map { String(section[$0]) }
        }.filter { $0.contains("\nservices:") || $0.hasPrefix("services:") }
    }

    @Test func everySeedTeamsLayoutIsAValidManifest() throws {
        let examples = try Self.examples()
        let names = examples.compactMap { $0.split(separator: "\n").first { $0.hasPrefix("name: ") }.map { String($0.dropFirst(6)) } }
        #expect(names == ["myflow", "alwrity", "rorun", "autoswe", "scribe"])
        #expect(examples.count == 6, "the five teams and the alwrity compose file carried over")
        for text in examples {
            let root = TestSupport.tempDir("readme")
            let node = try #require(try Yams.compose(yaml: text))
            for (_, p) in node["processes"]?.mapping ?? Node.Mapping([]) {
                if let cwd = p["cwd"]?.string { try FileManager.default.createDirectory(atPath: root + "/" + cwd, withIntermediateDirectories: true) }
            }
            let problems = try ProcessSpecTests.problems(text, root: root)
            #expect(problems.isEmpty, "\(problems)\n\(text)")
            let m = try TestSupport.parse(text, file: root + "/devenv.yml")
            let plan = try TestSupport.plan(m, identity: StackIdentity(project: m.name, root: root, branch: nil), secrets: [:], home: root + "/.home")
            let processes = try ProcessPlanner.plan(plan)
            #expect(!processes.isEmpty && processes.allSatisfy { $0.port != nil }, "every example's processes listen on a planned port")
            #expect(processes.allSatisfy { !$0.display.contains("{{") }, "every template renders")
        }
    }
}
