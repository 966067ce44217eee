import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The supervision of processes: the restart state machine (no clock, no processes), the
/// readiness wait, and the supervisor itself on real `sh` processes (no engine).
@Suite struct ProcessSupervisionTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func deathsAreRestartedWithBackoffThenGivenUpOn() {
        var policy = ProcessPolicy()
        policy.maxRestarts = 3
        var w = ProcessWatch(name: "api", policy: policy)
        w.started(now: t0)
        #expect(w.becameReady(now: t0 + 1, startedAt: t0) == .ready("api", after: 1))
        var events: [ProcessEvent?] = []
        var now = t0 + 2
        for _ in 0..<3 {
            events.append(w.exited(code: 1, now: now, expected: false))
            guard case .backoff(let due) = w.phase else { Issue.record("not in backoff: \(w.phase)"); return }
            #expect(!w.due(now: due - 0.01) && w.due(now: due))
            now = due
            w.started(now: now)
        }
        #expect(events.compactMap { $0 }.map(\.message) == [
            "api exited with code 1; restarting it in 1s (restart 1 of 3)",
            "api exited with code 1; restarting it in 2s (restart 2 of 3)",
            "api exited with code 1; restarting it in 4s (restart 3 of 3)",
        ])
        #expect(w.exited(code: 137, now: now + 1, expected: false) == .gaveUp("api", cause: "was killed (exit code 137)", restarts: 3))
        #expect(w.phase == .failed && w.stateName == "failed" && w.restarts == 4)
        w.reset()
        #expect(w.phase == .waiting && w.streak == 0, "`up api` starts it afresh")
    }

    @Test func aStableRunClearsTheStreakAndAnExpectedStopIsNoDeath() {
        var w = ProcessWatch(name: "web", policy: ProcessPolicy())
        w.started(now: t0)
        _ = w.exited(code: 1, now: t0 + 1, expected: false)
        w.started(now: t0 + 2)
        #expect(w.exited(code: 1, now: t0 + 200, expected: false) == .restarting("web", cause: "exited with code 1", attempt: 1, max: 5, delay: 1))
        w.started(now: t0 + 201)
        #expect(w.becameReady(now: t0 + 202, startedAt: t0 + 201).message.hasPrefix("web is ready again"))
        #expect(w.exited(code: 143, now: t0 + 300, expected: true) == nil)
        #expect(w.phase == .stopped && w.restarts == 2)
        #expect(w.answering(false) == nil, "a stopped process is not watched")
    }

    /// Alive and not a zombie (an orphan's zombie waits for a reaper that may not come in a container).
    static func running(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    static func state(_ entries: [ProcessState.Entry], handled: [String] = []) -> ProcessState {
        var s = ProcessState(supervisor: 1, detached: true, stack: "s")
        s.processes = entries
        s.handled = handled
        return s
    }

    static func entry(_ name: String, state: String = "running", runs: Int = 1, restarts: Int = 0, ready: Bool) -> ProcessState.Entry {
        ProcessState.Entry(name: name, state: state, pid: 10, port: nil, restarts: restarts, runs: runs, ready: ready,
                           exitCode: restarts > 0 ? 1 : nil, reason: restarts > 0 ? "exited with code 1" : nil, fingerprint: "f")
    }

    @Test func theWaitEndsReadyOrFailedAsTheSupervisorSays() async {
        let targets = [ProcessReadiness.Target(name: "api", minRuns: 2, restarts: 0), .init(name: "web", minRuns: 1, restarts: 0)]
        let reads = Locked(0)
        // The timeout only bounds a hang: while `make test` runs, the end-to-end tests can hold
        // every thread of the concurrency pool for minutes, and this wait resumes only after.
        let results = await ProcessReadiness.wait(targets, request: "r1", timeout: 3600, read: {
            let n = reads.with { $0 += 1; return $0 }
            if n == 1 { return Self.state([Self.entry("api", ready: true), Self.entry("web", ready: true)]) }   // request not handled yet
            if n == 2 { return Self.state([Self.entry("api", ready: true), Self.entry("web", ready: false)], handled: ["r1"]) }  // api: the old run
            return Self.state([Self.entry("api", runs: 2, ready: true), Self.entry("web", restarts: 1, ready: false)], handled: ["r1"])
        }, alive: { true }) { _, _ in }
        #expect(reads.value == 3)
        #expect({ if case .ready = results["api"] { return true }; return false }(), "a restart waits for the new run")
        #expect(results["web"] == .failed("exited with code 1 before it was ready"))
        let stopped = await ProcessReadiness.wait([.init(name: "x", minRuns: 1, restarts: 0)], request: nil, timeout: 60,
                                                  read: { nil }, alive: { false }) { _, _ in }
        #expect(stopped["x"] == .failed("its supervisor stopped"))
    }

    /// `up` under load may read the state only once the next run has begun, which clears
    /// `reason`: the death is still named by its exit code.
    @Test func aDeathSeenOnlyAfterTheNextRunBeganStillNamesItsCause() async {
        let next: ProcessState.Entry = { var e = Self.entry("api", runs: 2, restarts: 1, ready: false); e.reason = nil; return e }()
        let results = await ProcessReadiness.wait([.init(name: "api", minRuns: 1, restarts: 0)], request: nil, timeout: 3600,
                                                  read: { Self.state([next]) }, alive: { true }) { _, _ in }
        #expect(results["api"] == .failed("exited with code 1 before it was ready"))
    }

    @Test func theSupervisorStartsInOrderRestartsGivesUpAndStopsTheWholeGroup() async throws {
        let dir = TestSupport.tempDir("supervisor")
        let paths = ProcessPaths(stateDir: dir)
        let sink = ProcessLogSink(paths: paths, output: .capturing(), echo: false, names: ["a", "b"])
        let supervisor = ProcessSupervisor(runner: ProcessRunner(), prober: HostProber(), paths: paths, sink: sink, stack: "s",
                                           detached: true, replan: { [] })
        supervisor.policy.maxRestarts = 2
        supervisor.policy.stableAfter = 3600   // a starved pool must not make a death look like a stable run
        supervisor.policy.backoff = RestartBackoff(base: 0.1, factor: 1, cap: 0.1)
        func planned(_ name: String, _ line: String, after: [String] = []) -> PlannedProcess {
            PlannedProcess(name: name, command: Command("/bin/sh", ["-c", line], workingDirectory: dir), display: line, port: nil,
                           portName: nil, pinned: false, probe: nil, dependsOnProcesses: after, dependsOnServices: [], fingerprint: name)
        }
        // `a` leaves a child in its group: stopping `a` must stop the child too.
        supervisor.add([planned("b", "echo b runs; exit 3", after: ["a"]), planned("a", "sleep 300 & echo $! > child.pid; echo a runs; wait")])
        let stop = Locked(false)
        let loop = Task { await supervisor.run(until: { stop.value }) }
        // Bounds a hang only: under `make test` the end-to-end tests can hold every thread of the
        // concurrency pool for minutes (they block on subprocesses), and this supervisor waits its turn.
        let deadline = Date().addingTimeInterval(1800)
        while Date() < deadline, ((try? ProcessState.read(paths)) ?? nil)?.entry("b")?.state != "failed" { try await Task.sleep(nanoseconds: 20_000_000) }
        let s = try #require(try ProcessState.read(paths), "the state file follows the supervisor")
        #expect(s.processes.map(\.name) == ["a", "b"])
        #expect(s.entry("a")?.ready == true && s.entry("a")?.state == "running")
        #expect(s.entry("b")?.state == "failed" && s.entry("b")?.restarts == 3 && s.entry("b")?.exitCode == 3)
        let log = try String(contentsOfFile: paths.log("b"), encoding: .utf8)
        #expect(log.contains("b runs\n") && log.contains("[devenv] b exited with code 3; restarting it in 0.1s (restart 1 of 2)"), "\(log)")
        #expect(log.contains("[devenv] b keeps failing: exited with code 3 after 2 restarts; giving up"), "\(log)")

        let child = try #require(Int32(try String(contentsOfFile: dir + "/child.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(Self.running(child))
        stop.with { $0 = true }
        await loop.value
        #expect(!Self.running(child), "the group's other processes are stopped too")
        #expect(try ProcessState.read(paths)?.entry("a")?.state == "stopped")
    }
}
