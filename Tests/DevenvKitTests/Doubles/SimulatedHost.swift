import Foundation
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvKit

/// One run of a host process, as a script: the lines it prints, then its exit code; with no
/// exit code it runs until the test ends it (`SimulatedDocker.end`).
struct HostRun: Sendable {
    var lines: [String] = []
    var exit: Int32?
}

/// The host processes `supervise` runs, scripted per command: each run takes the next script of
/// the first pattern its argv contains (the last one repeats), gets a pid no process on this
/// machine can have (so a signal to its group reaches nothing), prints its lines, then exits.
struct HostState {
    var scripts: [(pattern: String, runs: [HostRun])] = []
    var used: [String: Int] = [:]
    var launched: [Command] = []
    var running: [Int32: (command: Command, exit: CheckedContinuation<Int32, Never>)] = [:]
    /// Exits asked for before the run that takes them began.
    var pendingEnds: [(pattern: String, code: Int32)] = []
    var launchWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    var runs: Int32 = 0
}

extension SimulatedDocker {
    /// Far above any kernel's pid_max: `kill(-pid, …)` finds no such group.
    static let firstHostPid: Int32 = 1_500_000_000

    /// The runs of processes whose argv contains `pattern`, in order.
    func script(_ pattern: String, _ runs: [HostRun]) { host.with { $0.scripts.append((pattern, runs)) } }

    /// Every command `supervise` was given, in order.
    var launched: [Command] { host.value.launched }

    /// Returns once `supervise` has started `count` runs in all (each has reported its pid and printed its lines).
    func launches(_ count: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = host.with { h -> Bool in
                if h.launched.count >= count { return true }
                h.launchWaiters.append((count, c))
                return false
            }
            if now { c.resume() }
        }
    }

    /// Ends the running process whose argv contains `pattern` with `code` (or the next one to start).
    func end(_ pattern: String, code: Int32) {
        let c = host.with { h -> CheckedContinuation<Int32, Never>? in
            guard let pid = h.running.keys.sorted().first(where: { Self.argv(h.running[$0]!.command).contains(pattern) }) else {
                h.pendingEnds.append((pattern, code))
                return nil
            }
            return h.running.removeValue(forKey: pid)?.exit
        }
        c?.resume(returning: code)
    }

    static func argv(_ c: Command) -> String { ([c.executable] + c.arguments).joined(separator: " ") }

    func supervise(_ command: Command, started: @escaping @Sendable (Int32) -> Void,
                   line: @escaping @Sendable (String) -> Void) async throws -> Int32 {
        let argv = Self.argv(command)
        let (pid, run) = host.with { h -> (Int32, HostRun) in
            let pid = Self.firstHostPid + h.runs
            h.runs += 1
            guard let script = h.scripts.first(where: { argv.contains($0.pattern) }), !script.runs.isEmpty else {
                return (pid, HostRun(lines: ["sh: \(command.executable): not found"], exit: 127))
            }
            let n = h.used[script.pattern, default: 0]
            h.used[script.pattern] = n + 1
            return (pid, script.runs[min(n, script.runs.count - 1)])
        }
        started(pid)
        for l in run.lines { line(l) }
        let waiters = host.with { h -> [CheckedContinuation<Void, Never>] in
            h.launched.append(command)
            let due = h.launchWaiters.filter { $0.count <= h.launched.count }.map(\.continuation)
            h.launchWaiters.removeAll { $0.count <= h.launched.count }
            return due
        }
        for w in waiters { w.resume() }
        if let code = run.exit { return code }
        return await withCheckedContinuation { c in
            let ended = host.with { h -> Int32? in
                if let i = h.pendingEnds.firstIndex(where: { argv.contains($0.pattern) }) { return h.pendingEnds.remove(at: i).code }
                h.running[pid] = (command, c)
                return nil
            }
            if let ended { c.resume(returning: ended) }
        }
    }
}

/// Readiness checks that answer only on the ports a test opened (`answer(port)`), counting each check.
final class ScriptedProber: Prober, Sendable {
    private let state = Locked((answering: Set<Int>(), checks: [Int: Int]()))

    func answer(_ port: Int, _ yes: Bool = true) { state.with { if yes { $0.answering.insert(port) } else { $0.answering.remove(port) } } }
    func checks(_ port: Int) -> Int { state.value.checks[port, default: 0] }

    func check(_ spec: ProbeSpec, timeout: TimeInterval) async -> Probe.Outcome {
        state.with { s in
            s.checks[spec.port, default: 0] += 1
            return s.answering.contains(spec.port) ? .ready : .notReady("connection refused")
        }
    }
}
