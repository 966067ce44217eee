import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvKit

/// `status` on a stack with a one-shot step and a service of a profile: the table says a step
/// that exited 0 is `done` (not `stopped`, which reads as a failure), one that failed stays
/// `stopped` with its exit code, and a service of a profile no `up --profile` started is
/// `inactive` (not `missing`). The JSON keeps DESIGN's words and says `step` and `profiles`.
@Suite struct StatusStatesTests {
    static let manifest = """
        name: shop
        services:
          postgres: { version: "16" }
          migrate: { image: "busybox:1.36", command: ["true"], restart: "no" }
          broken: { image: "busybox:1.36", command: ["false"], restart: "no" }
          debug: { image: "busybox:1.36", command: ["sleep", "1d"], profiles: [debug] }
        """

    @Test func theTableSaysAFinishedStepIsDoneAndAnUnstartedProfileIsInactive() async throws {
        let w = try OrchestrationTests.World(Self.manifest, images: ["postgres:16", "busybox:1.36"], portRange: "30700-30799")
        w.docker.setStepExit("broken", 3)
        var up = UpOperation()
        up.progress = false
        _ = try? await up.run(w.ctx)   // `broken` fails the up; the statuses are what matters here
        let (plan, report) = try StatusOperation.run(w.ctx, branch: false)
        let states = Dictionary(uniqueKeysWithValues: report.services.map { ($0.name, $0.state) })
        #expect(states == ["postgres": .running, "migrate": .stopped, "broken": .stopped, "debug": .missing], "DESIGN's machine words: \(states)")
        #expect(report.services.first { $0.name == "broken" }?.exitCode == 3)
        #expect(report.services.first { $0.name == "migrate" }?.health == "ready")
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"step\":true") && json.contains("\"profiles\":[\"debug\"]"), "\(json)")
        let table = StatusBuilder.table(report, plan: plan, output: Output(environment: ["NO_COLOR": "1"]))
        #expect(table.contains { $0.hasPrefix("  migrate") && $0.contains("done") }, "\(table)")
        #expect(table.contains { $0.hasPrefix("  debug") && $0.contains("inactive (profile debug)") }, "\(table)")
    }
}
