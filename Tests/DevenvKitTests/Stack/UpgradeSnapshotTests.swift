import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The snapshot `devenv upgrade` begins with is the old volume it keeps, not a copy: `snapshot
/// ls` lists it, `restore` copies from it (with its version check and seed ledger), `save`
/// cannot take its name, and `rm` deletes it as `--finish` does. On a simulated engine.
@Suite struct UpgradeSnapshotTests {
    static func manifest(_ version: String) -> String { "name: shop\nservices:\n  postgres: { version: \"\(version)\" }\n" }
    static let name = "upgrade-postgres-15-to-17"

    /// A stack whose postgres was upgraded from 15 to 17, the 15 volume kept.
    static func upgraded(_ version: String) throws -> (OrchestrationTests.World, String) {
        let w = try OrchestrationTests.World(manifest(version))
        let labels = ["dev.devenv.stack": "shop", "dev.devenv.project": "shop", "dev.devenv.root": w.root, "dev.devenv.branch": ""]
        w.docker.addVolume("shop_postgres-data", labels: labels)
        w.docker.addVolume("shop_postgres-data--g2", labels: labels)
        let stateDir = StackPlanner.stateDir(root: w.root, stack: "shop")
        var g = VolumeGenerations()
        g.volumes["postgres-data"] = .init(current: "shop_postgres-data--g2", version: "17", previous: "shop_postgres-data", previousVersion: "15", service: "postgres",
                                           snapshot: name, snapshotCreated: "2027-01-15T08:00:00Z", seeds: [])
        try g.save(stateDir: stateDir)
        return (w, stateDir)
    }

    @Test func theKeptVolumeIsListedAndItsNameIsTaken() async throws {
        let (w, _) = try Self.upgraded("17")
        let ops = SnapshotOperation()
        let list = try ops.list(w.ctx)
        #expect(list.map(\.name) == [Self.name])
        #expect(list.first?.upgrade == "postgres" && list.first?.complete == true && list.first?.volumes == ["shop_postgres-data"] && list.first?.services == ["postgres"])
        await #expect(throws: DevenvError.self) { _ = try await ops.save(w.ctx, name: Self.name) }
        #expect(!w.docker.commands.contains { $0.arguments.starts(with: ["volume", "create"]) }, "no copy is made")
    }

    @Test func aRestoreChecksTheVersionThenCopiesFromTheKeptVolume() async throws {
        let (w, _) = try Self.upgraded("17")
        do {
            _ = try await SnapshotOperation().restore(w.ctx, name: Self.name)
            Issue.record("15 data restored into 17")
        } catch let e as DevenvError {
            #expect(e.message.contains("holds PostgreSQL 15 data"), "\(e.message)")
        }
        #expect(!w.docker.commands.contains { $0.arguments.contains { $0.contains("shop_postgres-data:/from:ro") } })

        try Self.manifest("15").write(toFile: w.root + "/devenv.yml", atomically: true, encoding: .utf8)
        let s = try await SnapshotOperation().restore(w.ctx, name: Self.name)
        #expect(s.services == ["postgres"] && s.volumes == ["shop_postgres-data"])
        #expect(w.docker.commands.contains { $0.arguments.contains("shop_postgres-data:/from:ro") && $0.arguments.contains("shop_postgres-data--g2:/to") },
                "the kept volume is copied into the service's current one")
    }

    @Test func removingItDeletesTheKeptVolumeAsFinishDoes() async throws {
        let (w, stateDir) = try Self.upgraded("17")
        let s = try await SnapshotOperation().remove(w.ctx, name: Self.name)
        #expect(s.upgrade == "postgres")
        #expect(w.docker.commands.contains { $0.arguments == ["volume", "rm", "shop_postgres-data"] })
        #expect(!w.docker.commands.contains { $0.arguments == ["volume", "rm", "shop_postgres-data--g2"] }, "the upgraded data stays")
        let entry = try VolumeGenerations.load(stateDir: stateDir).volumes["postgres-data"]
        #expect(entry?.current == "shop_postgres-data--g2" && entry?.previous == nil && entry?.snapshot == nil)
        #expect(try SnapshotOperation().list(w.ctx).isEmpty)
        #expect(w.output.printed.stderr.contains("--rollback` has nothing to go back to"))
    }
}
