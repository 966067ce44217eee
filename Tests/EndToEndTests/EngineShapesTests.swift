import Foundation
import Testing

/// What Tests/testbed/engine-shapes.sh set up (its `testbed.env`): a dockerd with
/// `--userland-proxy=false` in the network namespace `devenv-noproxy`, and a dockerd in the
/// namespace `devenv-desktop` that the host reaches only through `com.docker.backend` forwarders.
struct ShapesTestbed {
    static let file = "/var/lib/devenv-testbed/shapes/testbed.env"
    let values: [String: String]

    static func load() throws -> ShapesTestbed {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw EngineTestbed.TestbedMissing(description: "\(file) is missing: run `make testbed` (Tests/testbed/engine-shapes.sh) as root")
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return ShapesTestbed(values: values)
    }

    subscript(_ key: String) -> String { values[key] ?? "" }
}

/// Issue 22: `up`, `status`, `ports`, `ports free` and `down` end to end on the engine shapes
/// users have — (a) the default engine, (b) a dockerd with `--userland-proxy=false` (no
/// docker-proxy: the kernel's NAT carries the published ports, and on Docker 20.10 dockerd
/// itself holds each port's socket), (c) an engine in another network namespace reached only
/// through forwarder processes named `com.docker.backend`, one per port, as Docker Desktop's VM
/// is — and a process whose recorded pid is reused by another program after a crash.
@Suite(.serialized, .endToEnd) struct EngineShapesTests {
    enum Shape: String {
        case defaultEngine = "default engine", noUserlandProxy = "--userland-proxy=false", desktop = "com.docker.backend forwarders"
        var label: String {
            switch self {
            case .defaultEngine: "shape-default"
            case .noUserlandProxy: "shape-noproxy"
            case .desktop: "shape-desktop"
            }
        }
    }

    /// How a test reaches one shape: the environment devenv gets, the program line devenv and
    /// the clients run under (the no-proxy engine's namespace is the "machine" there), and the
    /// engine the fixture's cleanup asks.
    struct Engine {
        var shape: Shape
        var environment: [String: String]
        var launcher: [String] = []
        var dockerHost: String?

        init(_ shape: Shape, _ bed: ShapesTestbed?) {
            self.shape = shape
            environment = EngineTestbed.clean
            switch shape {
            case .defaultEngine: break
            case .noUserlandProxy:
                dockerHost = bed?["NOPROXY_DOCKER_HOST"]
                environment["DOCKER_HOST"] = dockerHost
                launcher = ["nsenter", "--net=" + (bed?["NOPROXY_NETNS"] ?? "")]
            case .desktop:
                dockerHost = bed?["DESKTOP_DOCKER_HOST"]
                environment["DOCKER_HOST"] = dockerHost
            }
        }

        /// A client (psql, redis-cli, ss) where devenv runs.
        func run(_ argv: [String]) throws -> ProjectFixture.Result { try ProjectFixture.run(launcher + argv) }

        /// Whether 127.0.0.1:port accepts a connection where devenv runs.
        func accepts(_ port: Int) -> Bool {
            (try? run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]).status) == 0
        }

        /// The pids holding a listening socket on 127.0.0.1:port where devenv runs (`ss -ltnp`).
        func holders(_ port: Int) -> [Int32] {
            let out = (try? run(["ss", "-ltnpH", "sport = :\(port)"]).stdout) ?? ""
            return out.components(separatedBy: "pid=").dropFirst().compactMap { Int32($0.prefix { $0.isNumber }) }
        }

        /// The stack's containers on this shape's engine.
        func containers(_ project: String) throws -> [String] {
            let env = dockerHost.map { ["DOCKER_HOST": $0, "DOCKER_CONTEXT": ""] } ?? EngineTestbed.clean
            return try ProjectFixture.run(["docker", "ps", "-q", "--filter", "label=dev.devenv.project=\(project)"], env: env).stdout
                .split(separator: "\n").map(String.init)
        }
    }

    @Test func defaultEngine() throws { try stack(.defaultEngine, bed: nil) }

    @Test func dockerdWithoutUserlandProxy() throws { try stack(.noUserlandProxy, bed: try ShapesTestbed.load()) }

    @Test func engineReachedThroughComDockerBackendForwarders() throws { try stack(.desktop, bed: try ShapesTestbed.load()) }

    /// up; psql and redis-cli reach the services through the `.env`'s ports; status says
    /// running; ports reports the block as the stack's; ports free never signals the engine's
    /// forwarder (in (c) it refuses, naming it); down stops the stack and its ports.
    func stack(_ shape: Shape, bed: ShapesTestbed?) throws {
        let engine = Engine(shape, bed)
        try ProjectFixture.with(shape.label) { p in
            p.environment = engine.environment
            p.launcher = engine.launcher
            p.cleanupDockerHost = engine.dockerHost
            try p.manifest(CoreTests.postgresRedis)

            let up = try p.devenv(["up"])
            try #require(up.status == 0, "\(shape.rawValue): up failed: \(up.stdout)\n\(up.stderr)")
            #expect(try engine.containers(p.name).count == 2, "\(shape.rawValue): the stack runs on its engine")
            if shape != .defaultEngine { #expect(try p.containerIDs().isEmpty, "\(shape.rawValue): nothing on the default engine") }

            // The .env's URLs reach both services from where devenv runs.
            let env = try p.read(".env")
            let pgURL = try #require(EngineTests.value("DATABASE_URL", in: env))
            let redisURL = try #require(EngineTests.value("REDIS_URL", in: env))
            let psql = try engine.run(["psql", pgURL, "-tAc", "SELECT 40 + 2"])
            #expect(psql.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "42", "\(shape.rawValue): \(psql.stderr)")
            let ping = try engine.run(["redis-cli", "-u", redisURL, "--no-auth-warning", "PING"])
            #expect(ping.stdout.contains("PONG"), "\(shape.rawValue): \(ping.stdout)\(ping.stderr)")
            let pgPort = try #require(Self.port(of: pgURL)), redisPort = try #require(Self.port(of: redisURL))

            // status: both running and ready, on the .env's ports.
            let status = try p.status()
            let services = status["services"] as? [[String: Any]] ?? []
            #expect(services.count == 2)
            for s in services {
                #expect(s["state"] as? String == "running" && s["health"] as? String == "ready", "\(shape.rawValue): \(s)")
            }
            #expect(Set(services.compactMap { $0["port"] as? Int }) == [pgPort, redisPort], "\(shape.rawValue): \(services)")

            // (c): what holds each port on the host is a forwarder named com.docker.backend.
            var forwarders: [Int: Int32] = [:]
            if shape == .desktop {
                for port in [pgPort, redisPort] {
                    let pid = try #require(engine.holders(port).first, "no forwarder listens on 127.0.0.1:\(port)")
                    #expect(Self.argv(pid).first == bed?["DESKTOP_FORWARDER"], "the test bed's forwarder: \(Self.argv(pid))")
                    #expect(Self.comm(pid) == "com.docker.back", "the kernel's 15 characters of com.docker.backend")
                    forwarders[port] = pid
                }
            }

            // ports: every port of the stack's block is the stack's, none a conflict.
            let ports = try p.devenv(["ports", "--json"])
            #expect(ports.status == 0, "\(shape.rawValue): \(ports.stderr)")
            let rows = (try? JSONSerialization.jsonObject(with: Data(ports.stdout.utf8))) as? [[String: Any]] ?? []
            let ours = rows.filter { $0["stack"] as? String == p.name }
            #expect(Set(ours.compactMap { $0["port"] as? Int }).isSuperset(of: [pgPort, redisPort]), "\(shape.rawValue): \(ports.stdout)")
            for port in [pgPort, redisPort] {
                let row = rows.first { $0["port"] as? Int == port }
                #expect(row?["stack"] as? String == p.name, "\(shape.rawValue): port \(port) must be the stack's: \(String(describing: row))")
                #expect(row?["state"] as? String != "conflict", "\(shape.rawValue): port \(port) is the stack's own, not a conflict: \(String(describing: row))")
                #expect(row?["state"] as? String != "free", "\(shape.rawValue): the stack's container publishes port \(port): \(String(describing: row))")
                let holder = row?["holder"] as? [String: Any]
                #expect(holder?["stack"] as? String == p.name, "\(shape.rawValue): port \(port)'s holder is the stack's (its container, or the engine's forwarder for it): \(String(describing: row))")
            }

            switch shape {
            case .defaultEngine:
                break
            case .noUserlandProxy:
                // On Docker 20.10 dockerd itself holds each published port's socket (no
                // docker-proxy); whatever ports free does, it never signals the engine.
                let dockerd = try #require(Int32((try? String(contentsOfFile: bed?["NOPROXY_DOCKERD_PID_FILE"] ?? "", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
                #expect(!engine.holders(pgPort).contains { Self.argv($0).first?.hasSuffix("docker-proxy") == true }, "no docker-proxy in this shape")
                let free = try p.devenv(["ports", "free", String(pgPort), "--yes"])
                #expect(Self.alive(dockerd), "ports free signalled the engine (dockerd, pid \(dockerd)): \(free.stdout)\(free.stderr)")
                #expect(try ProjectFixture.run(["docker", "-H", engine.dockerHost ?? "", "info", "-f", "{{.ID}}"]).status == 0, "the engine still answers")
            case .desktop:
                // Asked of an engine that does not publish the port (the default one), the holder
                // is only a forwarder: ports free refuses it, names it and says what to do instead;
                // the forwarder and the stack are untouched.
                let own = p.environment
                p.environment["DOCKER_HOST"] = "unix:///var/run/docker.sock"
                let refused = try p.devenv(["ports", "free", String(pgPort), "--yes"])
                p.environment = own
                let said = refused.stdout + refused.stderr
                #expect(refused.status == 3, "ports free must refuse the engine's forwarder (exit 3): \(said)")
                #expect(said.contains("com.docker.backend") && said.contains("Docker Desktop"), "the message names the forwarder: \(said)")
                #expect(said.contains("never signals") && said.contains("publish=\(pgPort)"), "and says what to do instead: \(said)")
                for (port, pid) in forwarders {
                    #expect(Self.alive(pid) && Self.argv(pid).first == "com.docker.backend", "the forwarder of port \(port) (pid \(pid)) was signalled")
                }
                #expect(try engine.containers(p.name).count == 2, "refusing changes nothing: the stack still runs")
                let again = try engine.run(["psql", pgURL, "-tAc", "SELECT 1"])
                #expect(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "Postgres still answers through its forwarder: \(again.stderr)")
                // Asked of its own engine, the port is the stack's: ports free brings the stack
                // down (data kept), as on every engine, and signals no forwarder itself.
                let free = try p.devenv(["ports", "free", String(pgPort), "--yes"])
                #expect(free.status == 0 && free.stdout.contains("stopped devenv stack \(p.name)"), "\(free.stdout)\(free.stderr)")
                #expect(try engine.containers(p.name).isEmpty, "the stack is down")
            }

            // down stops the stack; nothing answers on its ports any more (in (c) the backend
            // stops the forwarders once the engine has stopped the containers).
            let down = try p.devenv(["down"])
            #expect(down.status == 0, "\(shape.rawValue): down failed: \(down.stderr)")
            #expect(try engine.containers(p.name).isEmpty, "\(shape.rawValue): down stops the stack")
            for port in [pgPort, redisPort] {
                #expect(Fault.poll(timeout: 15) { !engine.accepts(port) }, "\(shape.rawValue): 127.0.0.1:\(port) still answers after down")
            }
            for (port, pid) in forwarders {
                #expect(Fault.poll(timeout: 15) { !Self.alive(pid) }, "the forwarder of port \(port) outlived the stack")
            }
        }
    }

    /// A process devenv supervises and its supervisor are killed with SIGKILL; other programs
    /// get their pids (forced through /proc/sys/kernel/ns_last_pid), each the leader of its own
    /// process group and session. `status` does not take them for the stack's, and `down`
    /// signals neither them nor their groups.
    @Test func downLeavesAProgramThatReusedARecordedPidAlone() throws {
        try ProjectFixture.with("pid-reuse") { p in
            p.environment = EngineTestbed.clean
            try p.manifest("""
            services:
              redis: { version: "7" }
            processes:
              app: sleep 3600
            """)
            try p.trust()
            let up = try p.devenv(["up", "--detach"])
            try #require(up.status == 0, "\(up.stdout)\n\(up.stderr)")
            let app = try Self.processes(p)["app"]
            let pid = Int32(try #require(app?["pid"] as? Int, "no pid for app: \(String(describing: app))"))
            let stateFile = p.root + "/.devenv/stacks/\(p.name)/processes/state.json"
            let state = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stateFile)))) as? [String: Any]
            let supervisor = Int32(try #require(state?["supervisor"] as? Int, "no supervisor in \(stateFile)"))
            try #require(Self.alive(pid) && Self.alive(supervisor))

            // The crash: the supervisor first (else it starts app again), then app.
            #expect(kill(supervisor, SIGKILL) == 0 && kill(pid, SIGKILL) == 0)
            try #require(Fault.poll(timeout: 60) { !Self.exists(pid) && !Self.exists(supervisor) },
                         "pids \(pid) and \(supervisor) were not reaped")

            // Other programs take both pids.
            let squatters = try PidSquatter(pids: [pid, supervisor])
            p.onTearDown { squatters.stop() }
            for (wanted, got) in zip([pid, supervisor], squatters.pids) {
                try #require(got == wanted, "could not make a program take pid \(wanted): \(squatters.report)")
            }
            let ticks = squatters.pids.map(Self.startTicks)

            let after = try Self.processes(p)["app"]
            #expect((after?["pid"] as? Int).map(Int32.init) != pid, "status takes the new holder of pid \(pid) for app: \(String(describing: after))")
            #expect(after?["state"] as? String != "running", "\(String(describing: after))")

            let down = try p.devenv(["down"])
            #expect(down.status == 0, "\(down.stdout)\n\(down.stderr)")
            #expect(try p.containerIDs().isEmpty)
            for (i, squatter) in squatters.pids.enumerated() {
                #expect(Self.alive(squatter) && Self.startTicks(squatter) == ticks[i],
                        "down signalled pid \(squatter), which another program had reused")
                #expect(kill(-squatter, 0) == 0, "its process group \(squatter) is intact")
                #expect(Self.signalMask(squatter, "SigBlk") == 0 && Self.signalMask(squatter, "SigIgn").map { $0 & (1 << (UInt64(SIGTERM) - 1)) } == 0,
                        "pid \(squatter) neither blocks nor ignores SIGTERM, so a SIGTERM would have ended it")
            }
        }
    }

    /// Programs (`sleep`) made to take given pids: a helper writes pid−1 to
    /// /proc/sys/kernel/ns_last_pid and forks until its child gets the pid (another process
    /// forking in between takes it; then it tries again). Each child is the leader of a new
    /// session and process group. The helper stays their parent and reaps them.
    final class PidSquatter {
        let helper = Process()
        private(set) var pids: [Int32] = []
        private(set) var report = ""

        static let script = """
        import os, signal, sys
        got = []
        for want in map(int, sys.argv[1:]):
            pid = 0
            for attempt in range(5000):
                with open("/proc/sys/kernel/ns_last_pid", "w") as f:
                    f.write(str(want - 1))
                r, w = os.pipe()
                child = os.fork()
                if child == 0:
                    if os.getpid() != want:
                        os._exit(0)
                    os.setsid()
                    # A program of its own: default signal handling, nothing blocked (the test
                    # runner blocks SIGTERM and SIGINT, and children inherit that).
                    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                        signal.signal(sig, signal.SIG_DFL)
                    signal.pthread_sigmask(signal.SIG_SETMASK, [])
                    null = os.open("/dev/null", os.O_RDWR)
                    for fd in (0, 1, 2):
                        os.dup2(null, fd)
                    os.write(w, b"!")
                    os.execvp("sleep", ["sleep", "3600"])
                os.close(w)
                if child == want:
                    os.read(r, 1)   # it has its own session: only exec is left
                    os.close(r)
                    pid = child
                    break
                os.close(r)
                os.waitpid(child, 0)
            got.append(f"{want}:{pid}:{attempt + 1}")
        print(" ".join(got), flush=True)
        os.close(1)
        while True:
            try:
                os.wait()
            except ChildProcessError:
                break
        """

        init(pids wanted: [Int32]) throws {
            let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
            helper.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            helper.arguments = [python, "-c", Self.script] + wanted.map(String.init)
            let out = Pipe(), err = Pipe()
            helper.standardOutput = out
            helper.standardError = err
            helper.standardInput = FileHandle.nullDevice
            try helper.run()
            // The helper closes its stdout once every child runs (theirs is /dev/null).
            report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if report.isEmpty { helper.waitUntilExit(); report = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
            for field in report.split(whereSeparator: \.isWhitespace) {
                let parts = field.split(separator: ":")
                if parts.count == 3, let pid = Int32(parts[1]) { pids.append(pid) }
            }
        }

        func stop() {
            for pid in pids where pid > 1 && EngineShapesTests.argv(pid).first == "sleep" { kill(pid, SIGKILL) }
            if helper.isRunning { helper.waitUntilExit() }
        }
    }

    static func processes(_ p: ProjectFixture) throws -> [String: [String: Any]] {
        let list = try p.status()["processes"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0) })
    }

    static func port(of url: String) -> Int? { URLComponents(string: url)?.port }

    static func exists(_ pid: Int32) -> Bool { FileManager.default.fileExists(atPath: "/proc/\(pid)") }

    /// Runs, and is no zombie.
    static func alive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// The kernel's start time of `pid` (field 22 of /proc/PID/stat).
    static func startTicks(_ pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// A signal mask of `pid` from /proc/PID/status (`SigBlk`: blocked, `SigIgn`: ignored).
    static func signalMask(_ pid: Int32, _ key: String) -> UInt64? {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix(key + ":") }
            .flatMap { UInt64($0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
    }

    static func argv(_ pid: Int32) -> [String] {
        (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    static func comm(_ pid: Int32) -> String {
        ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
