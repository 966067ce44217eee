import Foundation
import Testing

/// Issue 12's snapshot faults: `kill -9` of `snapshot save` leaves an incomplete snapshot that
/// `ls` marks, `restore` refuses and the next `save` removes; `kill -9` of `snapshot restore`
/// leaves the data whole (rolled back while staging, finished while swapping); after either,
/// the next `up` starts the stack.
@Suite(.serialized, .endToEnd) struct FaultSnapshotTests {
    static let manifest = """
    services:
      postgres: { version: "15" }
      redis: { version: "7" }
    seed:
      postgres: [db/schema.sql]
    """

    static func sql(_ p: ProjectFixture, _ q: String) throws -> String {
        let url = try #require(try p.service("postgres")["url"] as? String)
        let r = try ProjectFixture.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", q])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func names(_ p: ProjectFixture) throws -> String { try sql(p, "SELECT string_agg(name, ',' ORDER BY name) FROM users") }

    static func snapshots(_ p: ProjectFixture) throws -> [String: Bool] {
        let r = try p.devenv(["snapshot", "ls", "--json"])
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0["complete"] as? Bool ?? false) })
    }

    static func allRunning(_ p: ProjectFixture) -> Bool {
        let c = Fault.containers(p.name).filter { $0.service != nil }
        return c.count == 2 && c.allSatisfy { $0.state == .running }
    }

    static func journal(_ p: ProjectFixture) -> String {
        (try? String(contentsOfFile: p.root + "/.devenv/stacks/\(p.name)/restore.json", encoding: .utf8)) ?? ""
    }

    @Test func killedSavesAndRestoresLeaveTheDataWhole() throws {
        try ProjectFixture.with("snapkill") { p in
            try p.manifest(Self.manifest)
            try p.write("db/schema.sql", "CREATE TABLE users (name text);\nINSERT INTO users VALUES ('ada'), ('bob');\n")
            try #require(try p.devenv(["up"]).status == 0)
            try #require(try p.devenv(["snapshot", "save", "base"]).status == 0)
            var runs = 0, recovered = 0

            // A save killed once its first volume exists, then one killed while it copies.
            for (name, point) in [("partial", "its first volume exists"), ("partial2", "a copy is running")] {
                let save = try Fault.Run(p, ["snapshot", "save", name])
                let reached = Fault.poll(timeout: 60) {
                    point.hasPrefix("its") ? !Fault.volumes(label: "dev.devenv.snapshot=\(name)").isEmpty
                        : Fault.containers(p.name).contains { $0.labels["dev.devenv.task"] == "snapshot" && $0.state == .running }
                }
                #expect(reached, "the save reached the point: \(point)")
                save.kill9()
                runs += 1
                #expect(try Self.snapshots(p)[name] == false, "ls marks \(name) incomplete")
                if name == "partial2" { #expect(try Self.snapshots(p)["partial"] == nil, "the next save removed the earlier incomplete one") }
                let refused = try p.devenv(["snapshot", "restore", name])
                #expect(refused.status == 1 && refused.stderr.contains("incomplete"), "\(refused.stderr)")
                let up = try p.devenv(["up"])
                #expect(up.status == 0, "\(up.stderr)")
                #expect(Self.allRunning(p), "the next up starts the stack")
                #expect(try Self.names(p) == "ada,bob", "the stack's data is untouched")
                if up.status == 0 { recovered += 1 }
            }
            let later = try p.devenv(["snapshot", "save", "later"])
            #expect(later.status == 0, "\(later.stderr)")
            #expect(later.stderr.contains("removed incomplete snapshot partial2"), "\(later.stderr)")
            #expect(try Self.snapshots(p) == ["base": true, "later": true])

            // A restore killed while it stages (rolled back), then one killed while it swaps (finished).
            _ = try Self.sql(p, "INSERT INTO users VALUES ('cyd')")
            let staging = try Fault.Run(p, ["snapshot", "restore", "base"])
            #expect(Fault.poll(timeout: 60) {
                Self.journal(p).contains("staging") && Fault.containers(p.name).contains { $0.labels["dev.devenv.task"] == "restore" && $0.state == .running }
            })
            staging.kill9()
            runs += 1
            let back = try p.devenv(["up"])
            #expect(back.status == 0 && back.stderr.contains("rolled back"), "\(back.stderr)")
            #expect(try Self.names(p) == "ada,bob,cyd", "the data is as it was before the killed restore")
            if back.status == 0 { recovered += 1 }

            let swapping = try Fault.Run(p, ["snapshot", "restore", "base"])
            let sawSwap = Fault.poll(timeout: 90) { Self.journal(p).contains("swapping") || !swapping.running }
            swapping.kill9()
            runs += 1
            let forward = try p.devenv(["up"])
            #expect(forward.status == 0, "\(forward.stderr)")
            #expect(try Self.names(p) == "ada,bob", "the restore was finished: the snapshot's data, whole")
            #expect(!forward.stdout.contains("Seeded"), "the snapshot's seed ledger came with it")
            if forward.status == 0 { recovered += 1 }
            #expect(sawSwap)
            #expect(Self.journal(p).isEmpty)
            FaultFigures.report("kill -9 of snapshot save/restore: \(runs) runs, \(recovered) recovered, 0 incomplete snapshots restorable, rows lost 0")
        }
    }
}
