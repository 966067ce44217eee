import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The process supervisor driven step by step (`tick`, `probe`) over scripted host processes
/// (`SimulatedDocker.supervise`) and scripted readiness answers: no process, no clock of its own,
/// no sleep. What `status` and `devenv logs` show after each step: `state.json` and the log.
@Suite struct ProcessSupervisorTests {
    struct Rig {
        let docker = SimulatedDocker()
        let prober = ScriptedProber()
        let paths = ProcessPaths(stateDir: TestSupport.tempDir("supervisor"))
        let supervisor: ProcessSupervisor

        init(_ plans: [PlannedProcess], maxRestarts: Int = 5) {
            let sink = ProcessLogSink(paths: paths, output: .capturing(), echo: false, names: plans.map(\.name))
            supervisor = ProcessSupervisor(runner: docker, prober: prober, paths: paths, sink: sink, stack: "shop", detached: true, replan: { [] })
            supervisor.policy.maxRestarts = maxRestarts
            supervisor.policy.stableAfter = 3600
            supervisor.add(plans)
        }

        /// One step of the supervisor at `now`, and `state.json` written.
        func tick(_ now: Date) { supervisor.tick(now: now); supervisor.writeState() }
        func probe(_ now: Date) async { await supervisor.probe(now: now); supervisor.writeState() }

        /// One step that takes the exits the supervisor holds and starts nothing a backoff holds
        /// back: the backoff runs from the exit's own time, which a starved test may see late.
        func takeExits() { tick(.distantPast) }
        /// Waits until the current run of `name` has ended and the supervisor holds its exit.
        func exited(_ name: String) async { await supervisor.state.with { $0.records[name]?.task }?.value }

        var phase: ProcessWatch.Phase? { supervisor.state.with { $0.records["api"]?.watch.phase } }
        func entry(_ name: String) throws -> ProcessState.Entry? { try ProcessState.read(paths)?.entry(name) }
        func log(_ name: String) -> String { (try? String(contentsOfFile: paths.log(name), encoding: .utf8)) ?? "" }
    }

    static func planned(_ name: String, port: Int?, after: [String] = []) -> PlannedProcess {
        let line = "exec \(name)-server --port \(port ?? 0)"
        return PlannedProcess(name: name, command: Command("/bin/sh", ["-c", line], environment: ["PORT": "\(port ?? 0)"], workingDirectory: "/src/shop"),
                              display: line, port: port, portName: port == nil ? nil : name, pinned: false, probe: port.map { .http(port: $0, path: "/health") },
                              dependsOnProcesses: after, dependsOnServices: [], fingerprint: name)
    }

    static func due(_ phase: ProcessWatch.Phase?) -> Date? { if case .backoff(let due)? = phase { return due }; return nil }

    @Test func aDyingProcessIsRestartedAfterEachBackoffUpToTheLimitThenLeftFailed() async throws {
        let rig = Rig([Self.planned("api", port: nil)], maxRestarts: 2)
        rig.docker.script("api-server", [HostRun(lines: ["booting", "error: address already in use"], exit: 1)])
        var now = Date()
        rig.tick(now)
        for attempt in [1, 2] {
            await rig.docker.launches(attempt)
            await rig.exited("api")
            rig.takeExits()
            let due = try #require(Self.due(rig.phase), "after death \(attempt): \(String(describing: rig.phase))")
            #expect(try rig.entry("api")?.state == "restarting" && rig.entry("api")?.restarts == attempt)
            rig.tick(due.addingTimeInterval(-0.01))
            #expect(rig.docker.launched.count == attempt, "not started before its backoff is over")
            now = due
            rig.tick(now)
            #expect({ if case .running? = rig.phase { return true }; return false }(), "started again once it is due")
        }
        await rig.docker.launches(3)
        await rig.exited("api")
        rig.takeExits()
        #expect(rig.phase == .failed)
        rig.tick(now.addingTimeInterval(3600))
        #expect(rig.docker.launched.count == 3, "a failed process is not started again")

        let e = try #require(try rig.entry("api"))
        #expect(e.state == "failed" && e.restarts == 3 && e.exitCode == 1 && e.runs == 3 && e.pid == nil)
        #expect(e.reason == "exited with code 1")
        let log = rig.log("api")
        #expect(log.components(separatedBy: "error: address already in use\n").count == 4, "each run's lines are in the log: \(log)")
        #expect(log.contains("[devenv] started api (pid \(SimulatedDocker.firstHostPid)): exec api-server --port 0"))
        #expect(log.contains("[devenv] api exited with code 1; restarting it in 1s (restart 1 of 2)"))
        #expect(log.contains("[devenv] api exited with code 1; restarting it in 2s (restart 2 of 2)"))
        #expect(log.contains("[devenv] api keeps failing: exited with code 1 after 2 restarts; giving up (`devenv up api` starts it again)"))
        #expect(rig.docker.launched.allSatisfy { $0 == Self.planned("api", port: nil).command }, "every run is the planned command")
    }

    @Test func aProcessWithAProbeIsReadyOnlyWhenItAnswersAndWhatDependsOnItWaitsForThat() async throws {
        let rig = Rig([Self.planned("web", port: 21901, after: ["api"]), Self.planned("api", port: 21900)])
        rig.docker.script("api-server", [HostRun(lines: ["listening on :21900"])])
        rig.docker.script("web-server", [HostRun(lines: ["ready in 0.3s"])])
        let t0 = Date()
        rig.tick(t0)
        await rig.docker.launches(1)
        #expect(Self.argvs(rig.docker) == ["/bin/sh -c exec api-server --port 21900"], "api first: web depends on it")
        await rig.probe(t0)
        #expect(rig.prober.checks(21900) == 1)
        #expect(try rig.entry("api")?.state == "running" && rig.entry("api")?.ready == false, "running, not ready: it has not answered")
        rig.tick(t0.addingTimeInterval(1))
        #expect(rig.docker.launched.count == 1, "web waits for api to be ready")

        rig.prober.answer(21900)
        await rig.probe(t0.addingTimeInterval(1))
        #expect(try rig.entry("api")?.ready == true)
        #expect(rig.log("api").contains("[devenv] api is ready ("))
        rig.tick(t0.addingTimeInterval(2))
        await rig.docker.launches(2)
        #expect(Self.argvs(rig.docker).last == "/bin/sh -c exec web-server --port 21901")

        // Once ready it is checked every `recheck` seconds; three unanswered checks in a row, and it is not answering.
        let checks = rig.prober.checks(21900)
        await rig.probe(t0.addingTimeInterval(3))
        #expect(rig.prober.checks(21900) == checks, "not checked again before `recheck`")
        rig.prober.answer(21900, false)
        for i in 1...3 { await rig.probe(t0.addingTimeInterval(Double(3 + 6 * i))) }
        #expect(rig.log("api").contains("[devenv] api stopped answering its readiness check"))
        #expect(try rig.entry("api")?.ready == false && rig.entry("api")?.state == "running")
        rig.prober.answer(21900)
        await rig.probe(t0.addingTimeInterval(30))
        #expect(rig.log("api").contains("[devenv] api answers again"))

        // Killed: restarted after its backoff, and ready again only once it answers again.
        rig.prober.answer(21900, false)
        rig.docker.end("api-server", code: 137)
        await rig.exited("api")
        rig.takeExits()
        #expect(rig.log("api").contains("[devenv] api was killed (exit code 137); restarting it in 1s (restart 1 of 5)"))
        let due = try #require(Self.due(rig.phase))
        rig.tick(due)
        await rig.docker.launches(3)
        await rig.probe(due)
        #expect(try rig.entry("api")?.ready == false && rig.entry("api")?.runs == 2)
        rig.prober.answer(21900)
        await rig.probe(due.addingTimeInterval(1))
        #expect(rig.log("api").contains("[devenv] api is ready again (down "))
        #expect(try rig.entry("api")?.ready == true && rig.entry("web")?.state == "running" && rig.entry("web")?.runs == 1, "web was left running")

        rig.docker.end("api-server", code: 143)
        rig.docker.end("web-server", code: 143)
        await rig.exited("api")
        await rig.exited("web")
    }

    /// `up` waiting for a process reads the supervisor's state; under load it may read it only
    /// once the next run has begun: the death before ready still fails the wait with its cause.
    @Test func aDeathBeforeReadyFailsTheWaitEvenOnceTheNextRunBegan() async throws {
        let rig = Rig([Self.planned("api", port: 21900)])
        rig.docker.script("api-server", [HostRun(lines: ["boom"], exit: 1), HostRun(lines: ["booting"])])
        rig.tick(Date())
        await rig.docker.launches(1)
        await rig.exited("api")
        rig.takeExits()
        rig.tick(try #require(Self.due(rig.phase)))
        await rig.docker.launches(2)
        let entry = try #require(rig.supervisor.snapshot().entry("api"))
        #expect(entry.state == "running" && entry.reason == nil && entry.exitCode == 1 && entry.restarts == 1)
        let results = await ProcessReadiness.wait([.init(name: "api", minRuns: 1, restarts: 0)], request: nil, timeout: 3600,
                                                  read: { rig.supervisor.snapshot() }, alive: { true }) { _, _ in }
        #expect(results["api"] == .failed("exited with code 1 before it was ready"))
        rig.docker.end("api-server", code: 143)
        await rig.exited("api")
    }

    static func argvs(_ d: SimulatedDocker) -> [String] { d.launched.map(\.argv).map { $0.joined(separator: " ") } }
}
