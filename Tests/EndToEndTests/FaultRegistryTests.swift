import Foundation
import Testing

/// Issue 30: a registry rebuilt while stacks are stopped moves none of them. A stack whose
/// containers are stopped keeps its ports from their config (`HostConfig.PortBindings`); one
/// brought `down` (no container, its volumes kept) keeps those of its compose file; one whose
/// ports cannot be recovered either is named in the note, not moved silently.
/// In FaultStateTests (serialized): both take their ports from the registries of their own,
/// in `ProjectFixture.ranges.own`, which two suites running at once would both hand out.
extension FaultStateTests {
    static let stoppedManifest = "services:\n  redis: { version: \"7\" }\n  postgres: { version: \"15\" }\n"

    static func registryPorts(_ home: String) -> [String: [String: Int]] {
        guard let data = FileManager.default.contents(atPath: home + "/registry.json"),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let stacks = obj["stacks"] as? [String: [String: Any]] else { return [:] }
        return stacks.compactMapValues { $0["ports"] as? [String: Int] }
    }

    @Test func aRegistryRebuiltWhileStacksAreStoppedMovesNoPort() throws {
        try ProjectFixture.with("regstop-a") { a in
            try ProjectFixture.with("regstop-b") { b in
                let home = NSTemporaryDirectory() + "devenv-regstop-\(a.name)"
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
                a.onTearDown { try? FileManager.default.removeItem(atPath: home) }
                let env = ["DEVENV_HOME": home, "DEVENV_PORT_RANGE": ProjectFixture.ranges.own]
                for p in [a, b] {
                    try p.manifest(Self.stoppedManifest)
                    let up = try p.devenv(["up"], env: env)
                    try #require(up.status == 0, "\(up.stderr)")
                }
                let before = Self.registryPorts(home)
                try #require(before[a.name] != nil && before[b.name] != nil)
                var runs = 0, kept = 0, moved = 0
                for (run, damage) in [Data(), Data("{\"version\": 1, \"stacks\": {".utf8)].enumerated() {
                    // Run 1, a: containers stopped (still there, with their port bindings). Run 2,
                    // a: `down` too, so both stacks have no container and a fresh allocation
                    // would swap them. b: `down` (its volumes and compose file are kept).
                    if run == 0 {
                        _ = try ProjectFixture.run(["sh", "-c", "docker stop $(docker ps -q --filter label=dev.devenv.stack=\(a.name)) >/dev/null"])
                    } else {
                        #expect(try a.devenv(["down"], env: env).status == 0)
                    }
                    #expect(try b.devenv(["down"], env: env).status == 0)
                    try damage.write(to: URL(fileURLWithPath: home + "/registry.json"))
                    // b first: a fresh allocation would hand it a's block.
                    let upB = try b.devenv(["up"], env: env)
                    #expect(upB.status == 0, "\(upB.stderr)")
                    #expect(upB.stderr.components(separatedBy: "was damaged").count == 2, "the note is printed once: \(upB.stderr)")
                    #expect(upB.stderr.contains(b.name) && upB.stderr.contains("from their compose file") || upB.stderr.contains("from its compose file"), "\(upB.stderr)")
                    let upA = try a.devenv(["up"], env: env)
                    #expect(upA.status == 0, "\(upA.stderr)")
                    let after = Self.registryPorts(home)
                    runs += 1
                    for stack in [a.name, b.name] {
                        for (key, port) in before[stack] ?? [:] where after[stack]?[key] != port { moved += 1 }
                    }
                    #expect(after[a.name] == before[a.name] && after[b.name] == before[b.name], "before \(before), after \(after)")
                    if after[a.name] == before[a.name] && after[b.name] == before[b.name] { kept += 1 }
                    #expect(!upA.stderr.contains("moved to") && !upB.stderr.contains("moved to"))
                }

                // No container and no compose file: the stack is named, not silently moved.
                #expect(try b.devenv(["down"], env: env).status == 0)
                try FileManager.default.removeItem(atPath: b.root + "/.devenv/stacks/\(b.name)/compose.yaml")
                try Data().write(to: URL(fileURLWithPath: home + "/registry.json"))
                let status = try a.devenv(["status"], env: env)
                #expect(status.status == 0, "\(status.stderr)")
                #expect(status.stderr.contains("The ports of \(b.name)") && status.stderr.contains("could not be recovered"), "\(status.stderr)")
                FaultFigures.report("registry rebuilt with stopped stacks (run 1: one stopped, one down; run 2: both down): \(runs) runs, \(kept) with every port kept, \(moved) ports moved")
                for p in [a, b] { _ = try p.devenv(["down", "--volumes", "--yes"], env: env) }
            }
        }
    }
}
