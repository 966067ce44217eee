import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `devenv up` with `processes:` on the simulated engine and scripted host processes: the app
/// process is launched once the services are ready, with the stack's values in its environment
/// (the same the `.env` file holds) in its own folder; one that dies before it is ready fails
/// `up`, naming it and showing its last lines.
@Suite struct ProcessLaunchTests {
    typealias World = OrchestrationTests.World
    static let manifest = """
    name: shop
    services:
      postgres: { version: "16" }
    ports: { api: auto }
    env:
      api/.env: { DATABASE_URL: "{{postgres.url}}" }
    processes:
      api:
        run: serve --port {{ports.api}}
        cwd: api
        ready: { http: /health }
        depends: [postgres]
    """

    static func world() throws -> World {
        var w = try World(manifest, images: ["postgres:16"], portRange: ProcessInfo.processInfo.environment["DEVENV_PORT_RANGE"] ?? "31000-31999")
        w.prober = ProcessProber()
        try FileManager.default.createDirectory(atPath: w.root + "/api", withIntermediateDirectories: true)
        return w
    }

    @Test func anUntrustedManifestStartsNothing() async throws {
        let w = try Self.world()
        do {
            _ = try await UpSequenceTests.up(w)
            Issue.record("processes ran from a manifest nobody trusted")
        } catch let e as DevenvError {
            #expect(e.exitCode == .usage && e.message.contains("devenv.yml"), "\(e.message)")
        }
        #expect(w.docker.commands.isEmpty && w.docker.launched.isEmpty)
    }

    @Test func theProcessGetsTheStacksValuesAndADeathBeforeReadyFailsUpWithItsLastLines() async throws {
        let w = try Self.world()
        try ManifestTrust(paths: w.ctx.paths).trust(w.root + "/devenv.yml")
        w.docker.script("serve", [HostRun(lines: ["Traceback (most recent call last):", "ModuleNotFoundError: No module named 'fastapi'"], exit: 1)])
        let outcome = try await UpSequenceTests.up(w)
        #expect(w.docker.launched.isEmpty, "the foreground `up` runs them after it reports the services")
        guard case .foreground(let processes)? = outcome.processes else { Issue.record("no foreground processes: \(String(describing: outcome.processes))"); return }
        #expect(processes.names == ["api"])

        do {
            try await processes.run(w.ctx)
            Issue.record("a process that died before it was ready did not fail up")
        } catch let e as DevenvError {
            #expect(e.message == "process api exited with code 1 before it was ready. Its last log lines:")
            // From the last run's start: the supervisor may have begun the next run by the time `up` reads its log.
            #expect(e.details.first?.hasPrefix("  | [devenv] started api (pid ") == true, "\(e.details)")
            #expect(Array(e.details.dropFirst().prefix(2)) == ["  | Traceback (most recent call last):", "  | ModuleNotFoundError: No module named 'fastapi'"])
            #expect(e.hint?.contains("devenv logs api") == true)
        }
        let command = try #require(w.docker.launched.first)
        let port = try #require(outcome.plan.appPorts["api"])
        #expect(command.argv == ["/bin/sh", "-c", "exec serve --port \(port)"])
        #expect(command.workingDirectory == w.root + "/api")
        let env = try String(contentsOfFile: w.root + "/api/.env", encoding: .utf8)
        let url = try #require(command.environment["DATABASE_URL"])
        #expect(env.contains("DATABASE_URL=\(url)\n"), "the value the .env file holds: \(env)")
        #expect(url.hasPrefix("postgres://devenv:") && url.contains("@127.0.0.1:\(outcome.plan.service("postgres")?.mainPort?.host ?? 0)/shop"))
        #expect(command.environment["PORT"] == String(port))

        let paths = ProcessPaths(stateDir: outcome.plan.stateDir)
        let state = try #require(try ProcessState.read(paths)?.entry("api"))
        #expect(state.state == "stopped" && state.exitCode == 1 && state.restarts >= 1, "the supervisor stopped with up: \(state)")
        #expect(try String(contentsOfFile: paths.log("api"), encoding: .utf8).contains("[devenv] api exited with code 1; restarting it in 1s (restart 1 of 5)"))
        #expect(!FileManager.default.fileExists(atPath: paths.pidFile), "no supervisor is left behind")
        #expect(w.docker.containers.contains { $0.service == "postgres" && $0.state == .running }, "the services keep running")
    }
}

/// The services answer at once; the app's processes never do (they die first in these tests).
struct ProcessProber: Prober {
    func check(_ spec: ProbeSpec, timeout: TimeInterval) async -> Probe.Outcome {
        spec.type == .http && spec.parameters["path"] == "/health" ? .notReady("connection refused") : .ready
    }
}
