import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `status` with processes: the `processes` array beside the keys that were there, and what a
/// running supervisor's state says.
@Suite struct ProcessStatusTests {
    @Test func theJSONKeepsItsKeysAndAddsProcesses() throws {
        let plan = try ProcessPlanTests.plan()
        var report = StatusBuilder.build(plan, containers: [], engine: nil, probe: false)
        report.processes = ProcessStatusReader.rows(plan)
        let data = try JSONEncoder().encode(report)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == ["stack", "project", "branch", "root", "services", "processes"])
        let first = try #require((json["processes"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["name", "state", "pid", "port", "restarts", "ready", "command", "exit_code"])
        #expect(first["name"] as? String == "api" && first["state"] as? String == "stopped" && first["port"] as? Int == 8000)
        #expect(first["ready"] as? Bool == false && first["pid"] is NSNull)
    }

    @Test func aRunningSupervisorsStateIsShown() throws {
        let plan = try ProcessPlanTests.plan()
        let paths = ProcessPaths(stateDir: plan.stateDir)
        var state = ProcessState(supervisor: getpid(), detached: true, stack: "shop")
        state.processes = [ProcessState.Entry(name: "api", state: "running", pid: 4242, port: 8000, restarts: 2, runs: 3, ready: true,
                                              exitCode: 137, reason: nil, fingerprint: "f")]
        try state.write(paths)
        #expect(ProcessStatusReader.rows(plan).first?.state == "stopped", "no supervisor holds the lock: the state is stale")
        let lock = try #require(try FileLock.tryAcquire(paths.lockFile))
        defer { lock.unlock() }
        try ProcessControl.writePid(paths)
        #expect(SupervisorProbe.running(paths) == getpid())
        let api = try #require(ProcessStatusReader.rows(plan).first)
        #expect(api.state == "running" && api.pid == 4242 && api.restarts == 2 && api.ready && api.exitCode == 137)
        let table = ProcessStatusReader.table(ProcessStatusReader.rows(plan), output: .capturing()).joined(separator: "\n")
        #expect(table.contains("PROCESS") && table.contains("api      ready") && table.contains("4242"), "\(table)")
    }

    @Test func theEngineBoundRunnerRunsProcessesToo() async throws {
        let runner = EngineBoundRunner(ProcessRunner(), engine: EngineClient.resolve(contextOption: nil, environment: [:]))
        let lines = Locked<[String]>([])
        let pid = Locked<Int32>(0)
        let status = try await runner.supervise(Command("/bin/sh", ["-c", "echo one; echo two >&2; exit 4"]),
                                                started: { p in pid.with { $0 = p } }, line: { l in lines.with { $0.append(l) } })
        #expect(status == 4 && lines.value == ["one", "two"] && pid.value > 1)
    }
}
