import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvKit

/// `down --all --volumes` on a project with a layered branch: no base of the parent's data is
/// left behind. (The parent went down while its branch still stood on the base, and the
/// branch's own `down` kept the parent's newest base for the next branch.)
@Suite struct DownAllBasesTests {
    @Test func downAllWithVolumesLeavesNoBaseOfTheProjectsStacks() async throws {
        let w = try await BranchCopyTests.parentUp()
        _ = try await BranchCopyTests.upBranch(w)
        #expect(!w.docker.volumes.filter { $0.name.hasPrefix("shop_postgres-data-base-") }.isEmpty, "the branch stands on a base")

        try await DownAllOperation(volumes: true, yes: true).run(w.ctx)
        let left = w.docker.volumes.map(\.name).filter { $0.hasPrefix("shop") }
        #expect(left.isEmpty, "every volume of the project's stacks, bases included, is gone: \(left)")
        #expect(w.docker.containers.filter { $0.project.hasPrefix("shop") }.isEmpty)
    }
}
