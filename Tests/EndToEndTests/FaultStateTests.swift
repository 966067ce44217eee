import Foundation
import Testing

/// Issue 12's damaged-state faults: an emptied or garbled registry is rebuilt from the engine's
/// containers with every live stack unchanged (ports, containers, `.env`), or refused naming the
/// way out; a damaged credentials file is recovered from the containers, or refused naming
/// `devenv reset`; a damaged seed ledger or env record is refused, never regenerated.
@Suite(.serialized, .endToEnd) struct FaultStateTests {
    static let manifest = "services:\n  postgres: { version: \"15\" }\n  redis: { version: \"7\" }\n"

    /// Each test gets its own DEVENV_HOME: it damages the registry on purpose.
    static func home(_ p: ProjectFixture) -> String {
        let dir = NSTemporaryDirectory() + "devenv-state-\(p.name)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    struct Snap: Equatable { var ids: [String]; var env: [UInt8]; var ports: [Int] }

    static func snap(_ p: ProjectFixture, home: String) throws -> Snap {
        let r = try p.devenv(["status", "--json"], env: ["DEVENV_HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own])
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        let ports = (obj["services"] as? [[String: Any]] ?? []).compactMap { $0["port"] as? Int }.sorted()
        return Snap(ids: try p.containerIDs(), env: Fault.bytes(p.root + "/.env"), ports: ports)
    }

    @Test func anEmptiedOrGarbledRegistryIsRebuiltAndLiveStacksStayAsTheyAre() throws {
        try ProjectFixture.with("rega") { a in
            try ProjectFixture.with("regb") { b in
                let home = Self.home(a)
                a.onTearDown { try? FileManager.default.removeItem(atPath: home) }
                for p in [a, b] {
                    try p.manifest(Self.manifest)
                    let up = try p.devenv(["up"], env: ["DEVENV_HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own])
                    try #require(up.status == 0, "\(up.stderr)")
                }
                let registry = home + "/registry.json"
                let before = [try Self.snap(a, home: home), try Self.snap(b, home: home)]
                var runs = 0, unchanged = 0
                for damage in [Data(), Data("{\"version\": 1, \"stacks\": {\"x\"".utf8)] {
                    try damage.write(to: URL(fileURLWithPath: registry))
                    let status = try a.devenv(["status"], env: ["DEVENV_HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own])
                    #expect(status.status == 0, "\(status.stderr)")
                    #expect(status.stderr.contains("rebuilt it from the engine"), "\(status.stderr)")
                    let up = try b.devenv(["up"], env: ["DEVENV_HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own])
                    #expect(up.status == 0 && up.stdout.contains("already up"), "\(up.stdout)\(up.stderr)")
                    let after = [try Self.snap(a, home: home), try Self.snap(b, home: home)]
                    #expect(after == before, "ports, containers and .env files are unchanged")
                    runs += 1
                    if after == before { unchanged += 1 }
                    let kept = try FileManager.default.contentsOfDirectory(atPath: home).filter { $0.hasPrefix("registry.json.damaged-") }
                    #expect(!kept.isEmpty, "the damaged file is kept")
                    for k in kept { try FileManager.default.removeItem(atPath: home + "/" + k) }
                }

                // Without an engine to rebuild from, the damaged file is refused and left as it is.
                try Data().write(to: URL(fileURLWithPath: registry))
                let refused = try a.devenv(["status"], env: ["DEVENV_HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own, "DOCKER_HOST": "unix:///nonexistent/docker.sock"])
                #expect(refused.status != 0)
                #expect(refused.stderr.contains("registry") && refused.stderr.contains("damaged"), "\(refused.stderr)")
                #expect(refused.stderr.contains("mv \(registry)"), "names the way out: \(refused.stderr)")
                #expect(Fault.bytes(registry).isEmpty, "nothing was written")
                #expect(try a.devenv(["status"], env: ["DEVENV_HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own]).status == 0)
                FaultFigures.report("damaged registry: \(runs) runs, \(unchanged) with both live stacks unchanged")
                for p in [a, b] { _ = try p.devenv(["down", "--volumes", "--yes"], env: ["DEVENV_HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own]) }
            }
        }
    }

    @Test func damagedCredentialsAreRecoveredFromTheContainersOrRefused() throws {
        try ProjectFixture.with("creds") { p in
            let home = Self.home(p)
            p.onTearDown { try? FileManager.default.removeItem(atPath: home) }
            let env = ["DEVENV_HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own]
            try p.manifest(Self.manifest)
            try #require(try p.devenv(["up"], env: env).status == 0)
            let file = home + "/stacks/\(p.name)/credentials.json"
            let original = try Data(contentsOf: URL(fileURLWithPath: file))
            let dotenv = Fault.bytes(p.root + "/.env")
            let ids = try p.containerIDs()
            try Data("{\"postgres\": {\"pass".utf8).write(to: URL(fileURLWithPath: file))
            let up = try p.devenv(["up"], env: env)
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stderr.contains("recovered the passwords of postgres, redis"), "\(up.stderr)")
            let recovered = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: [String: String]]
            #expect(recovered == (try JSONSerialization.jsonObject(with: original) as? [String: [String: String]]), "the same passwords")
            #expect(Fault.bytes(p.root + "/.env") == dotenv, "the .env is unchanged")
            #expect(try p.containerIDs() == ids, "the live stack is unchanged (nothing recreated)")
            let status = try JSONSerialization.jsonObject(with: Data(try p.devenv(["status", "--json"], env: env).stdout.utf8)) as? [String: Any]
            let url = try #require((status?["services"] as? [[String: Any]])?.first { $0["name"] as? String == "postgres" }?["url"] as? String)
            #expect(try ProjectFixture.run(["psql", url, "-tAc", "SELECT 1"]).stdout.contains("1"), "the URL still logs in")

            // No container and no compose file left to recover from, but the data is there: refused.
            _ = try ProjectFixture.run(["sh", "-c", "docker rm -f $(docker ps -aq --filter label=dev.devenv.stack=\(p.name)) >/dev/null"])
            try FileManager.default.removeItem(atPath: p.root + "/.devenv/stacks/\(p.name)/compose.yaml")
            try Data().write(to: URL(fileURLWithPath: file))
            let refused = try p.devenv(["up"], env: env)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains(file) && refused.stderr.contains("devenv reset"), "\(refused.stderr)")
            #expect(Fault.bytes(file).isEmpty, "the damaged file is left as it was")
            let reset = try p.devenv(["reset", "--yes"], env: env)
            #expect(reset.status == 0, "reset is the way out: \(reset.stderr)")
            _ = try p.devenv(["down", "--volumes", "--yes"], env: env)
        }
    }

    @Test func aDamagedSeedLedgerOrEnvRecordIsRefused() throws {
        try ProjectFixture.with("ledger") { p in
            try p.manifest("services:\n  redis: { version: \"7\" }\nseed:\n  redis: [seeds/cache.redis]\n")
            try p.write("seeds/cache.redis", "SET greeting hello\n")
            try #require(try p.devenv(["up"]).status == 0)
            let ledger = p.root + "/.devenv/stacks/\(p.name)/seeds.json"
            try "{\"seeds\": [".write(toFile: ledger, atomically: true, encoding: .utf8)
            let up = try p.devenv(["up"])
            #expect(up.status == 1 && up.stderr.contains("seed ledger") && up.stderr.contains("damaged"), "\(up.stderr)")
            #expect(try String(contentsOfFile: ledger, encoding: .utf8) == "{\"seeds\": [", "not regenerated")
            try FileManager.default.removeItem(atPath: ledger)

            let record = p.root + "/.devenv/env-written.json"
            try "garbage".write(toFile: record, atomically: true, encoding: .utf8)
            let env = try p.devenv(["env"])
            #expect(env.status == 1 && env.stderr.contains("env-written.json") && env.stderr.contains("devenv env --force"), "\(env.stderr)")
            #expect(try String(contentsOfFile: record, encoding: .utf8) == "garbage")
            #expect(try p.devenv(["env", "--force"]).status == 0, "--force rewrites the managed keys and the record")
        }
    }
}
