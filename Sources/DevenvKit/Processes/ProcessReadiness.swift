import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Waits, with a deadline, until a supervisor reports processes ready: from its state in
/// memory (foreground) or from `state.json` (a background supervisor). Polls; never sleeps
/// as a means of synchronisation beyond the poll interval.
enum ProcessReadiness {
    enum Result: Equatable, Sendable {
        case ready(seconds: Double)
        case failed(String)
        case timedOut(String)
    }

    /// What to wait for: the process, the run it must be in (a restart waits for a new run),
    /// and its restart count when the wait began (a death before it is ready fails the wait).
    struct Target: Sendable {
        var name: String
        var minRuns: Int
        var restarts: Int
    }

    /// `request`: the id the supervisor must have handled first. `alive`: whether the
    /// supervisor still runs. `onReady` is called once per process as it becomes ready.
    static func wait(_ targets: [Target], request: String?, timeout: TimeInterval,
                     read: @Sendable () -> ProcessState?, alive: @Sendable () -> Bool,
                     onReady: (String, Double) -> Void) async -> [String: Result] {
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        var results: [String: Result] = [:]
        while results.count < targets.count {
            let state = read()
            if let request, let handled = state?.handled {
                if handled.contains(request + ":error") {
                    for t in targets where results[t.name] == nil {
                        results[t.name] = .failed("the running supervisor could not apply this request (see its log: devenv logs, or .devenv/stacks/*/processes/supervisor.log)")
                    }
                    break
                }
            }
            let applied = request.map { state?.handled.contains($0) ?? false } ?? true
            for t in targets where results[t.name] == nil {
                guard applied, let e = state?.entry(t.name) else { continue }
                if e.state == "failed" { results[t.name] = .failed(e.reason.map { "\($0); devenv gave up restarting it" } ?? "it keeps failing"); continue }
                if e.runs >= t.minRuns, e.ready, e.state == "running" {
                    let secs = Date().timeIntervalSince(start)
                    results[t.name] = .ready(seconds: secs)
                    onReady(t.name, secs)
                    continue
                }
                if e.restarts > t.restarts {
                    // Its next run may have begun (and cleared `reason`) before this read: the exit code stays.
                    let cause = e.reason ?? e.exitCode.map { ExitCause.describe(code: $0) } ?? "exited"
                    results[t.name] = .failed("\(cause) before it was ready")
                }
            }
            if results.count == targets.count { break }
            if !alive() {
                for t in targets where results[t.name] == nil { results[t.name] = .failed("its supervisor stopped") }
                break
            }
            if Date() >= deadline {
                for t in targets where results[t.name] == nil {
                    let e = state?.entry(t.name)
                    let last = e.map { $0.state == "waiting" ? "still waiting for what it depends on" : "running, not answering its readiness check yet" } ?? "not started"
                    results[t.name] = .timedOut(last)
                }
                break
            }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return results
    }

    /// The error `up` fails with for the first process that is not ready, with its last log lines.
    static func error(_ results: [String: Result], paths: ProcessPaths, timeout: TimeInterval, order: [String]) -> DevenvError? {
        for name in order {
            guard let r = results[name] else { continue }
            let why: String
            switch r {
            case .ready: continue
            case .failed(let reason): why = reason
            case .timedOut(let last): why = "was not ready after \(Int(timeout)) s (\(last))"
            }
            let lines = ProcessLogs.tail(paths.log(name), lines: 20, from: "[devenv] started \(name) ").map { "  | " + $0 }
            return DevenvError("process \(name) \(why). Its last log lines:",
                               hint: "See all of them with `devenv logs \(name)`; raise the wait with `devenv up --timeout SECONDS`.",
                               details: lines.isEmpty ? ["  (no output)"] : lines)
        }
        return nil
    }
}
