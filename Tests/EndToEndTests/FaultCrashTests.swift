import Foundation
import Testing
import CurrentPlatform

/// Issue 12's crash faults: `kill -9` of `up` at many points of a start (first start with fresh
/// volumes, and restarts of existing data), each followed by an `up` that must succeed with the
/// data kept, on the same ports, with no compose left running after devenv died.
@Suite(.serialized, .endToEnd) struct FaultCrashTests {
    static let manifest = """
    services:
      postgres: { version: "15" }
      redis: { version: "7" }
    seed:
      postgres: [db/seed.sql]
    """
    static let seed = "CREATE TABLE IF NOT EXISTS seeded (id int PRIMARY KEY);\nINSERT INTO seeded VALUES (1) ON CONFLICT DO NOTHING;\n"

    struct Point {
        var name: String
        /// Start from no data (the first start: initdb, seeds) or restart existing data.
        var fresh: Bool
        /// Blocks until the kill point is reached (polling); false when `up` ended first.
        var reach: (ProjectFixture, Fault.Run) -> Bool
    }

    static func waitFor(_ run: Fault.Run, timeout: TimeInterval = 60, _ condition: @escaping () -> Bool) -> Bool {
        Fault.poll(timeout: timeout) { condition() || !run.running } && run.running
    }

    static func points() -> [Point] {
        var rng = Fault.SplitMix(state: 12)
        func randomDelay() -> TimeInterval { Double(rng.next() % 6000) / 1000 + 0.05 }
        let delays = (0..<3).map { _ in randomDelay() }
        func after(_ d: TimeInterval) -> (ProjectFixture, Fault.Run) -> Bool {
            { _, run in let end = Date().addingTimeInterval(d); return waitFor(run, timeout: d + 1) { Date() >= end } }
        }
        let compose: (ProjectFixture, Fault.Run) -> Bool = { p, run in waitFor(run) { !Fault.composeProcesses(stack: p.name).isEmpty } }
        return [
            Point(name: "at once", fresh: true) { _, run in run.running },
            Point(name: "compose started", fresh: true, reach: compose),
            Point(name: "first container created", fresh: true) { p, run in waitFor(run) { !Fault.containers(p.name).isEmpty } },
            Point(name: "postgres initialising (PG_VERSION written)", fresh: true) { p, run in
                waitFor(run) {
                    guard let c = Fault.containers(p.name).first(where: { $0.service == "postgres" && $0.state == .running }) else { return false }
                    return (try? ProjectFixture.run(["docker", "exec", c.id, "test", "-s", "/var/lib/postgresql/data/PG_VERSION"]).status) == 0
                }
            },
            Point(name: "waiting for readiness (redis ready)", fresh: true) { _, run in waitFor(run) { run.stderr.contains("redis: ready") } },
            Point(name: ".env written, seeding", fresh: true) { p, run in waitFor(run) { FileManager.default.fileExists(atPath: p.root + "/.env") } },
            Point(name: "random \(String(format: "%.2f", delays[0])) s", fresh: true, reach: after(delays[0])),
            Point(name: "random \(String(format: "%.2f", delays[1])) s", fresh: true, reach: after(delays[1])),
            Point(name: "restart: at once", fresh: false) { _, run in run.running },
            Point(name: "restart: compose started", fresh: false, reach: compose),
            Point(name: "restart: postgres running", fresh: false) { p, run in
                waitFor(run) { Fault.containers(p.name).contains { $0.service == "postgres" && $0.state == .running } }
            },
            Point(name: "restart: random \(String(format: "%.2f", delays[2])) s", fresh: false, reach: after(delays[2])),
        ]
    }

    static func sql(_ p: ProjectFixture, _ query: String) throws -> String {
        let url = try #require(try p.service("postgres")["url"] as? String)
        return try ProjectFixture.run(["psql", url, "-tAc", query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func killingUpAtAnyPointOfAStartIsRecoveredByTheNextUp() throws {
        try ProjectFixture.with("crash") { p in
            try p.manifest(Self.manifest)
            try p.write("db/seed.sql", Self.seed)
            let first = try p.devenv(["up"])
            try #require(first.status == 0, "\(first.stderr)")
            let port = try p.service("postgres")["port"] as? Int
            _ = try Self.sql(p, "CREATE TABLE notes (t text); INSERT INTO notes VALUES ('kept')")
            var runs = 0, killed = 0, recoveries = 0, lost = 0, moved = 0, orphans = 0
            for point in Self.points() {
                let stop = try p.devenv(point.fresh ? ["down", "--volumes", "--yes"] : ["down"])
                #expect(stop.status == 0, "\(stop.stderr)")
                let run = try Fault.Run(p, ["up"])
                let reached = point.reach(p, run)
                if run.kill9() && reached { killed += 1 }
                runs += 1
                if !Fault.poll(timeout: 5, { Fault.composeProcesses(stack: p.name).isEmpty }) {
                    orphans += 1
                    Issue.record("compose outlived the killed devenv (\(point.name))")
                }
                let up = try p.devenv(["up"])
                #expect(up.status == 0, "up after a kill at \(point.name): \(up.stderr)")
                guard up.status == 0 else { continue }
                recoveries += 1
                if try p.service("postgres")["port"] as? Int != port { moved += 1; Issue.record("postgres moved after a kill at \(point.name)") }
                #expect(try Self.sql(p, "SELECT count(*) FROM seeded") == "1", "the seed applied once (\(point.name))")
                if point.fresh {
                    _ = try Self.sql(p, "CREATE TABLE notes (t text); INSERT INTO notes VALUES ('kept')")
                } else if try Self.sql(p, "SELECT string_agg(t, ',') FROM notes") != "kept" {
                    lost += 1
                    Issue.record("the data was lost after a kill at \(point.name)")
                }
            }
            #expect(runs >= 10)
            FaultFigures.report("kill -9 of up: \(runs) runs, \(killed) killed before up finished, \(recoveries) recovered by the next up, "
                                + "\(lost) data lost, \(moved) ports moved, \(orphans) compose left running")
        }
    }
}
