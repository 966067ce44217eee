import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Runs a stack's app processes: starts each once what it depends on is ready, checks its
/// readiness from the host, restarts one that dies (with backoff, `ProcessWatch`), applies
/// requests from other `devenv up` runs, and keeps `state.json` and the log files current.
/// The same supervisor runs in a foreground `up` (echoing to the terminal) and in the
/// background one `up --detach` starts (`devenv supervise`).
///
/// Invariants: each process runs in a process group of its own, and every stop signals the
/// whole group (TERM, then KILL after `policy.stopGrace`); a process is started again only
/// after its previous group is gone; the state file is written only by the supervisor.
public final class ProcessSupervisor: Sendable {
    public var policy: ProcessPolicy {
        get { state.with { $0.policy } }
        set { state.with { $0.policy = newValue } }
    }
    /// Seconds between checks that a ready process still listens (a TCP connect).
    public var recheck: TimeInterval {
        get { state.with { $0.recheck } }
        set { state.with { $0.recheck = newValue } }
    }

    let runner: ProcessRunning
    let prober: any Prober
    let paths: ProcessPaths
    let sink: ProcessLogSink
    let stack: String
    let detached: Bool
    /// Plans the processes again from devenv.yml, for a request.
    let replan: @Sendable () throws -> [PlannedProcess]

    /// Everything that changes, behind one lock. A `Record` is a class: it is read and
    /// changed only while that lock is held.
    struct State {
        var policy = ProcessPolicy()
        var recheck: TimeInterval = 5
        var records: [String: Record] = [:]
        var order: [String] = []
        var handled: [String] = []
        var lastWritten: ProcessState?
    }
    let state = Locked(State())

    final class Record {
        var plan: PlannedProcess
        var watch: ProcessWatch
        var generation = 0
        var pid: Int32?
        /// The process group of the current or last run (kept after the leader exits, to
        /// clear what it left behind).
        var group: Int32?
        /// Whether the current run has answered its readiness check once.
        var answeredOnce = false
        var ticks: UInt64?
        var startedAt: Date?
        var exit: (code: Int32, at: Date)?
        var lastExit: Int32?
        var reason: String?
        /// devenv is stopping it (its exit is expected).
        var stopping = false
        var termSentAt: Date?
        /// Start it again once it has stopped (a requested restart or a changed command).
        var restartNext: PlannedProcess?
        var task: Task<Void, Never>?
        var lastProbe = Date.distantPast
        var unanswered = 0
        init(_ plan: PlannedProcess, policy: ProcessPolicy) { self.plan = plan; watch = ProcessWatch(name: plan.name, policy: policy) }
    }

    init(runner: ProcessRunning, prober: any Prober, paths: ProcessPaths, sink: ProcessLogSink, stack: String,
         detached: Bool, replan: @escaping @Sendable () throws -> [PlannedProcess]) {
        self.runner = runner; self.prober = prober; self.paths = paths; self.sink = sink
        self.stack = stack; self.detached = detached; self.replan = replan
    }

    /// Adds processes to run (already-known ones keep running), in dependency order.
    func add(_ plans: [PlannedProcess]) {
        state.with { s in
            for p in plans {
                if let r = s.records[p.name] { if case .stopped = r.watch.phase { r.watch.reset() }; continue }
                s.records[p.name] = Record(p, policy: s.policy)
            }
            let known = Array(s.records.values.map(\.plan))
            s.order = ProcessPlanner.order(plans + known.filter { k in !plans.contains { $0.name == k.name } }).map(\.name)
        }
    }

    /// What `state.json` says now.
    public func snapshot() -> ProcessState {
        state.with { state in
            var s = ProcessState(supervisor: getpid(), detached: detached, stack: stack)
            s.handled = state.handled
            s.processes = state.order.compactMap { n in
                state.records[n].map { r in
                ProcessState.Entry(name: n, state: r.watch.stateName, pid: r.pid, port: r.plan.port, restarts: r.watch.restarts,
                                   runs: r.generation, ready: r.watch.ready, exitCode: r.lastExit.map(Int.init), reason: r.reason,
                                   fingerprint: r.plan.fingerprint, startedAt: r.startedAt, startTicks: r.ticks)
                }
            }
            return s
        }
    }

    /// Runs until `stop()` says so, then stops every process (TERM, then KILL).
    func run(until stop: @escaping @Sendable () -> Bool) async {
        while !stop() {
            tick(now: Date())
            await probe(now: Date())
            handleRequests()
            writeState()
            var waited = 0.0
            while waited < 0.1, !stop() { try? await Task.sleep(nanoseconds: 25_000_000); waited += 0.025 }
        }
        await stopAll()
    }

    /// One step: take exits, start what is due, escalate stops that take too long.
    func tick(now: Date) {
        let (events, due): ([ProcessEvent], [Record]) = state.with { s in
            var events: [ProcessEvent] = []
            var due: [Record] = []
            for name in s.order {
                guard let r = s.records[name] else { continue }
                if let exit = r.exit {
                    r.exit = nil
                    r.lastExit = exit.code
                    if let pid = r.pid { ChildGuard.shared.unregister(pid) }
                    r.pid = nil
                    r.reason = ExitCause.describe(code: Int(exit.code))
                    if let e = r.watch.exited(code: exit.code, now: exit.at, expected: r.stopping) { events.append(e) }
                    r.stopping = false
                    r.termSentAt = nil
                    Self.signalGroup(r, SIGTERM)   // what the process left behind
                    if let next = r.restartNext { r.plan = next; r.restartNext = nil; r.watch.reset() }
                }
                if r.stopping, let sent = r.termSentAt, now.timeIntervalSince(sent) >= s.policy.stopGrace { Self.signalGroup(r, SIGKILL) }
                switch r.watch.phase {
                case .waiting:
                    let ready = r.plan.dependsOnProcesses.allSatisfy { d in s.records[d].map { $0.watch.ready } ?? true }
                    if ready { due.append(r) }
                case .backoff: if r.watch.due(now: now) { due.append(r) }
                default: break
                }
            }
            return (events, due)
        }
        for e in events { sink.event(e) }
        for r in due { start(r, now: now) }
    }

    private func start(_ r: Record, now: Date) {
        let (gen, name, command, display) = state.with { _ in
            if let old = r.group { ProcessInfoProbe.signalGroup(old, leaderTicks: r.ticks, SIGKILL) }
            r.generation += 1
            r.watch.started(now: now)
            r.startedAt = now
            r.pid = nil
            r.reason = nil
            r.unanswered = 0
            r.answeredOnce = false
            return (r.generation, r.plan.name, r.plan.command, r.plan.display)
        }
        let runner = runner, sink = sink
        let task = Task.detached { [self] in
            let code: Int32
            do {
                code = try await runner.supervise(command, started: { pid in self.started(name, gen, pid, display) },
                                                  line: { sink.line(name, $0) })
            } catch {
                sink.event(.cannotStart(name, detail: "\(error)"))
                code = 127
            }
            self.exited(name, gen, code)
        }
        state.with { _ in r.task = task }
    }

    private func started(_ name: String, _ gen: Int, _ pid: Int32, _ display: String) {
        // nil: a later run has begun; .some(nil): no readiness to report yet.
        let ready: ProcessEvent?? = state.with { s in
            guard let r = s.records[name], r.generation == gen else { return nil }
            r.pid = pid
            r.group = pid
            r.ticks = ProcessInfoProbe.startTicks(pid)   // before any signal to the group: a reused pid is told apart by it
            ChildGuard.shared.register(pid)   // its group dies with this devenv, even on kill -9
            if r.plan.probe == nil, case .running = r.watch.phase, !r.watch.ready {
                r.answeredOnce = true
                return .some(r.watch.becameReady(now: Date(), startedAt: r.startedAt ?? Date()))
            }
            return .some(nil)
        }
        guard let ready else { return }
        sink.event(.started(name, pid: pid, command: display))
        if let e = ready { sink.event(e) }
    }

    private func exited(_ name: String, _ gen: Int, _ code: Int32) {
        state.with { s in
            guard let r = s.records[name], r.generation == gen else { return }
            r.exit = (code, Date())
        }
    }

    /// Checks readiness: often while a process is not ready yet, every `recheck` seconds after.
    func probe(now: Date) async {
        let checks = probeTargets(now: now)
        guard !checks.isEmpty else { return }
        let prober = prober
        let results = await withTaskGroup(of: (String, Int, Bool).self) { group in
            for (name, gen, spec, ready) in checks {
                // Once it has answered, a TCP connect tells it still listens without a request in its log.
                let check = ready ? ProbeSpec.tcp(port: spec.port) : spec
                group.addTask { (name, gen, await prober.check(check, timeout: ready ? 1 : 0.5) == .ready) }
            }
            var out: [(String, Int, Bool)] = []
            for await r in group { out.append(r) }
            return out
        }
        for e in applyProbes(results, now: now) { sink.event(e) }
    }

    private func probeTargets(now: Date) -> [(String, Int, ProbeSpec, Bool)] {
        state.with { s in
            s.order.compactMap { n in
                guard let r = s.records[n], case .running = r.watch.phase, r.pid != nil, !r.stopping, let spec = r.plan.probe else { return nil }
                if r.answeredOnce && now.timeIntervalSince(r.lastProbe) < s.recheck { return nil }
                r.lastProbe = now
                return (n, r.generation, spec, r.answeredOnce)
            }
        }
    }

    private func applyProbes(_ results: [(String, Int, Bool)], now: Date) -> [ProcessEvent] {
        state.with { s in
            var events: [ProcessEvent] = []
            for (name, gen, ok) in results {
                guard let r = s.records[name], r.generation == gen, case .running = r.watch.phase, !r.stopping else { continue }
                if !r.answeredOnce {
                    if ok { r.answeredOnce = true; events.append(r.watch.becameReady(now: Date(), startedAt: r.startedAt ?? now)) }
                    continue
                }
                r.unanswered = ok ? 0 : r.unanswered + 1
                if ok, let e = r.watch.answering(true) { events.append(e) }
                if r.unanswered >= s.policy.unansweredAfter, let e = r.watch.answering(false) { events.append(e) }
            }
            return events
        }
    }

    /// Stops every process: TERM to each group, KILL to what is left after the grace period.
    func stopAll() async {
        let (running, names) = beginStop()
        if !names.isEmpty { sink.note("stopping \(names.joined(separator: ", "))…") }
        func alive() -> Bool { state.with { _ in running.contains { r in r.pid != nil && r.exit == nil } } }
        let deadline = Date().addingTimeInterval(policy.stopGrace)
        while Date() < deadline, alive() { try? await Task.sleep(nanoseconds: 50_000_000) }
        state.with { _ in for r in running { Self.signalGroup(r, SIGKILL) } }
        // A killed group ends at once; a program that escaped its group (setsid) is not waited for.
        let hard = Date().addingTimeInterval(2)
        while Date() < hard, alive() { try? await Task.sleep(nanoseconds: 50_000_000) }
        tick(now: Date())
        state.with { _ in for r in running { r.watch.stop() } }
        writeState()
        if !names.isEmpty { sink.note("stopped \(names.joined(separator: ", "))") }
    }

    private func beginStop() -> ([Record], [String]) {
        state.with { s in
            let running = s.order.compactMap { s.records[$0] }.filter { $0.task != nil }
            for r in running {
                r.restartNext = nil
                if case .running = r.watch.phase { stopLocked(r) } else { r.watch.stop() }
            }
            return (running, running.filter { $0.pid != nil }.map(\.plan.name))
        }
    }

    /// Sends TERM to the record's group and marks the exit as expected (lock held).
    func stopLocked(_ r: Record) {
        r.stopping = true
        r.termSentAt = Date()
        Self.signalGroup(r, SIGTERM)
    }

    static func signalGroup(_ r: Record, _ sig: Int32) {
        guard let pgid = r.group else { return }
        ProcessInfoProbe.signalGroup(pgid, leaderTicks: r.ticks, sig)
    }

    func writeState() {
        let s = snapshot()
        guard s != state.with({ $0.lastWritten }) else { return }
        do { try s.write(paths); state.with { $0.lastWritten = s } } catch { sink.note("cannot write \(paths.stateFile): \(error)", problem: true) }
    }
}
