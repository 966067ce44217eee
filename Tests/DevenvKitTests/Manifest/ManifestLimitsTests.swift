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

/// Issue 30: manifests that passed validation and failed at run time. An empty `services:`
/// and an oversized value are reported at validation, at their line and column, in a message
/// of a few lines (not the value quoted back).
@Suite struct ManifestLimitsTests {
    @Test(arguments: ["services:\n", "services: {}\n", "services: ~\n", "name: x\nservices:\nports: { web: 3000 }\n"])
    func anEmptyServicesIsAProblemAtItsPlace(_ yaml: String) {
        let problems = TestSupport.problems(yaml)
        #expect(problems.count == 1, "\(problems)")
        let p = problems.first
        #expect(p?.message.contains("'services:' is empty") == true, "\(problems)")
        #expect(p?.message.contains("postgres") == true, "it shows what to write")
        #expect(p.map { $0.line >= 1 && $0.column >= 1 } == true)
    }

    @Test func aValueOverTheLimitIsReportedAtItsLineAndColumnWithoutQuotingIt() {
        let huge = String(repeating: "9", count: 10 * 1024 * 1024)
        let problems = TestSupport.problems("services:\n  postgres: { version: \"\(huge)\" }\n")
        #expect(problems.count == 1)
        #expect(problems.first?.line == 2 && problems.first?.column == 24, "\(problems.map(\.description).map { $0.prefix(80) })")
        #expect(problems.first?.message.contains("at most \(ValueLimits.maxValueBytes) bytes") == true)
        let text = ManifestError(file: "/p/devenv.yml", problems: problems).lines(relativeTo: "/p").joined(separator: "\n")
        #expect(text.hasPrefix("devenv.yml:2:24:"), "file:line:column")
        #expect(text.utf8.count < 400, "a few lines, not the value: \(text.utf8.count) bytes")
    }

    @Test func valuesUpToTheLimitAreFineAndOneInAListIsCaughtToo() {
        let fits = String(repeating: "a", count: ValueLimits.maxValueBytes)
        #expect(ValueLimits.oversized(try! Yams.compose(yaml: "k: \"\(fits)\"\n")!).isEmpty)
        let long = String(repeating: "v", count: ValueLimits.maxValueBytes + 1)
        let problems = ValueLimits.oversized(try! Yams.compose(yaml: "processes:\n  web:\n    run: [sh, -c, \(long)]\n")!)
        #expect(problems.count == 1 && problems.first?.line == 3 && problems.first?.column == 19, "\(problems.map(\.line)) \(problems.map(\.column))")
    }

    @Test func aLongValueIsQuotedShortInOtherProblems() {
        let long = String(repeating: "z", count: 5000)
        let problems = TestSupport.problems("services:\n  db: { kind: \"\(long)\" }\n  redis: { version: [\"\(long)\"] }\n")
        #expect(problems.count >= 2)
        #expect(problems.allSatisfy { $0.message.utf8.count < 700 }, "\(problems.map { $0.message.utf8.count })")
    }

    @Test func everyErrorTheCommandLinePrintsCarriesAHint() {
        for code in [ExitCode.failure, .usage, .portConflict, .engineUnavailable] {
            #expect(!DevenvError("x", exitCode: code).shownHint.isEmpty)
        }
        #expect(DevenvError("x", hint: "do this").shownHint == "do this")
        #expect(AtomicFile.failure("/p/.devenv/stacks/s/compose.yaml", EISDIR).hint?.contains("mv /p/.devenv/stacks/s/compose.yaml") == true)
        #expect(AtomicFile.failure("/p/x", EIO).hint != nil)
    }
}
