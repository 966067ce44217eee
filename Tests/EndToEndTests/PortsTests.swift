import Foundation
import Testing

/// A process that listens on a TCP port until stopped (a "foreign" holder).
final class ForeignListener {
    let process = Process()
    let port: Int

    init(port: Int) throws {
        self.port = port
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
        import signal, socket, time
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])  # the test runner blocks them
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", \(port))); s.listen(16)
        while True: time.sleep(3600)
        """]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !Self.listening(port) { usleep(20_000) }
        #expect(Self.listening(port), "the foreign listener did not start on \(port)")
    }

    var pid: Int32 { process.processIdentifier }

    static func listening(_ port: Int) -> Bool {
        (try? ProjectFixture.run(["sh", "-c", "ss -ltnH 'sport = :\(port)' | grep -q LISTEN"]).status) == 0
    }

    func stop() { if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() } }
    deinit { stop() }
}

/// A port that nothing holds now, outside devenv's range, for pinning.
func freePort() -> Int {
    for _ in 0..<200 {
        let p = Int.random(in: 23000...23999)
        if !ForeignListener.listening(p) { return p }
    }
    return 23999
}

@Suite(.serialized, .endToEnd) struct PortsTests {
    @Test func pinnedPortTakenExits3NamingThePidThenFreeFixesIt() throws {
        try ProjectFixture.with("pinned") { p in
            let port = freePort()
            let squatter = try ForeignListener(port: port)
            p.onTearDown { squatter.stop() }
            try p.manifest("services:\n  redis: { version: \"7\", port: \(port) }\n")
            let up = try p.devenv(["up"])
            #expect(up.status == 3)
            #expect(up.stderr.contains("pid \(squatter.pid)"), "\(up.stderr)")
            #expect(up.stderr.contains("devenv ports free \(port)"))

            let refused = try p.devenv(["ports", "free", String(port)])
            #expect(refused.status == 2, "without a terminal, ports free must demand --yes")
            let free = try p.devenv(["ports", "free", String(port), "--yes"])
            #expect(free.status == 0, "\(free.stderr)")
            #expect(!squatter.process.isRunning)
            let again = try p.devenv(["up"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try p.service("redis")["port"] as? Int == port)
        }
    }

    @Test func allocatedPortTakenMovesAndEnvFollows() throws {
        try ProjectFixture.with("moved") { p in
            try p.manifest("services:\n  redis: { version: \"7\" }\n")
            #expect(try p.devenv(["up"]).status == 0)
            let first = try #require(try p.service("redis")["port"] as? Int)
            #expect(try p.read(".env").contains(":\(first)/0"))
            #expect(try p.devenv(["down"]).status == 0)
            let squatter = try ForeignListener(port: first)
            p.onTearDown { squatter.stop() }
            let up = try p.devenv(["up"])
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stderr.contains("port \(first) of redis is taken"))
            let second = try #require(try p.service("redis")["port"] as? Int)
            #expect(second != first)
            let env = try p.read(".env")
            #expect(env.contains(":\(second)/0") && !env.contains(":\(first)/0"))
        }
    }

    @Test func twoProjectsInParallelGetDisjointPorts() throws {
        try ProjectFixture.with("par-a") { a in
            try ProjectFixture.with("par-b") { b in
                try a.manifest("services:\n  postgres: { version: \"15\" }\n  redis: { version: \"7\" }\n")
                try b.manifest("services:\n  postgres: { version: \"15\" }\n  redis: { version: \"7\" }\n")
                let results = ProjectFixture.concurrently(2) { i in try? (i == 0 ? a : b).devenv(["up"]) }
                #expect(results.allSatisfy { $0?.status == 0 }, "\(results.map { $0?.stderr ?? "" })")
                let pa = try Set(["postgres", "redis"].compactMap { try a.service($0)["port"] as? Int })
                let pb = try Set(["postgres", "redis"].compactMap { try b.service($0)["port"] as? Int })
                #expect(pa.count == 2 && pb.count == 2)
                #expect(pa.isDisjoint(with: pb))
                for s in ["postgres", "redis"] {
                    #expect(try a.service(s)["health"] as? String == "ready")
                    #expect(try b.service(s)["health"] as? String == "ready")
                }
            }
        }
    }

    @Test func fourUpsAtOnceMakeOneStack() throws {
        try ProjectFixture.with("four-ups") { p in
            try p.manifest("services:\n  redis: { version: \"7\" }\n")
            let codes = ProjectFixture.concurrently(4) { _ in (try? p.devenv(["up"]))?.status ?? -1 }
            #expect(codes == [0, 0, 0, 0])
            #expect(try p.containerIDs().count == 1)
            let data = try #require(FileManager.default.contents(atPath: ProjectFixture.home + "/registry.json"))
            let reg = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let stacks = try #require(reg["stacks"] as? [String: Any])
            #expect(stacks[p.name] != nil)
        }
    }

    @Test func portsAllListsAKnownListenerWithItsPid() throws {
        try ProjectFixture.with("all") { p in
            let port = freePort()
            let listener = try ForeignListener(port: port)
            p.onTearDown { listener.stop() }
            let r = try p.devenv(["ports", "--all", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
            let row = try #require(rows.first { $0["port"] as? Int == port })
            let holder = try #require(row["holder"] as? [String: Any])
            #expect(holder["pid"] as? Int == Int(listener.pid))
            #expect((holder["command"] as? String)?.contains("python3") == true)
        }
    }
}
