import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Which services and processes `devenv up NAME…` means. No names: every service and every
/// process. Only process names: every service (their values are in the processes'
/// environment) and those processes with what they depend on. Service names: those services,
/// and processes only when named too.
public struct UpSelection: Sendable, Equatable {
    /// For compose; empty means every service.
    public var services: [String]
    /// Processes to run.
    public var processes: [String]
    /// Processes named on the command line: restarted when already running.
    public var named: [String]

    public init(manifest: Manifest, names: [String]) throws {
        let services = manifest.services.map(\.name), processes = manifest.processes.map(\.name)
        for n in names where !services.contains(n) && !processes.contains(n) {
            let what = processes.isEmpty ? "service" : "service or process"
            throw DevenvError.usage("no \(what) '\(n)' in \(manifest.file)\(Suggest.hint(n, among: services + processes))",
                                    hint: "Services: \(services.joined(separator: ", "))." + (processes.isEmpty ? "" : " Processes: \(processes.joined(separator: ", "))."))
        }
        let namedServices = names.filter(services.contains)
        named = names.filter(processes.contains)
        self.processes = names.isEmpty ? processes : named
        // Named services, and the services the chosen processes depend on (through other processes too).
        var needed = namedServices
        var seen = Set<String>()
        func visit(_ p: String) {
            guard seen.insert(p).inserted, let spec = manifest.process(named: p) else { return }
            for d in spec.depends { if processes.contains(d) { visit(d) } else if !needed.contains(d) { needed.append(d) } }
        }
        named.forEach(visit)
        self.services = namedServices.isEmpty ? [] : needed
    }
}

/// How `up` runs the selected processes once the services are ready.
public enum ProcessLaunch {
    /// Not started yet: the foreground `up` runs them (`ForegroundProcesses.run`).
    case foreground(ForegroundProcesses)
    /// Running and ready, under a background supervisor (pid): one `up --detach` just
    /// started, or one that was running already and took the request.
    case running(ProcessState, supervisor: Int32, handedOver: Bool)
}

/// The processes step of `up`: hands the processes to a supervisor that runs already, starts a
/// background one (`--detach`), or prepares the foreground one; waits until each is ready.
public struct ProcessesStage {
    public var selection: UpSelection
    public var detach: Bool
    public var timeout: TimeInterval
    public var progress: Bool
    /// Progress lines on stderr (`up --json --progress`).
    public var progressOnStderr = false
    public var branch: Bool

    public init(selection: UpSelection, detach: Bool, timeout: TimeInterval, progress: Bool, branch: Bool) {
        self.selection = selection; self.detach = detach; self.timeout = timeout; self.progress = progress; self.branch = branch
    }

    public func launch(_ ctx: DevenvContext, plan: StackPlan) async throws -> ProcessLaunch? {
        let all = try ProcessPlanner.plan(plan)
        let wanted = ProcessPlanner.closure(selection.processes, of: all)
        guard !wanted.isEmpty else { return nil }
        let paths = ProcessPaths(stateDir: plan.stateDir)
        if let pid = SupervisorProbe.running(paths) {
            return try await handOver(ctx, wanted, paths: paths, supervisor: pid)
        }
        if !detach {
            return .foreground(ForegroundProcesses(plans: wanted, all: all, paths: paths, stack: plan.identity.stack,
                                                   root: plan.manifest.root, branch: branch, timeout: timeout))
        }
        return try await startDetached(ctx, wanted, plan: plan, paths: paths)
    }

    /// Before the port check of `up`: clears what a supervisor that ended left running, and
    /// returns the ports the running supervisor's processes hold (they are this stack's own).
    public static func prepare(_ ctx: DevenvContext, plan: StackPlan, selection: UpSelection) throws -> Set<Int> {
        guard !plan.manifest.processes.isEmpty else { return [] }
        let paths = ProcessPaths(stateDir: plan.stateDir)
        guard SupervisorProbe.running(paths) != nil else {
            let cleared = try ProcessControl.clearLeftovers(paths)
            if !cleared.isEmpty { ctx.output.error("stopped \(cleared.joined(separator: ", ")), left running by a devenv that ended without stopping them") }
            return []
        }
        return Set(try ProcessState.read(paths)?.processes.filter { $0.pid != nil }.compactMap(\.port) ?? [])
    }

    /// The `ports:` names of the processes `up` starts, and whether each is pinned.
    public static func ports(_ plan: StackPlan, selection: UpSelection) throws -> [String: Bool] {
        guard !selection.processes.isEmpty else { return [:] }
        var out: [String: Bool] = [:]
        for p in ProcessPlanner.closure(selection.processes, of: try ProcessPlanner.plan(plan)) {
            if let name = p.portName { out[name] = p.pinned }
        }
        return out
    }

    /// A supervisor runs: ask it to start (or restart) the processes and wait for them.
    func handOver(_ ctx: DevenvContext, _ wanted: [PlannedProcess], paths: ProcessPaths, supervisor pid: Int32) async throws -> ProcessLaunch {
        let state = try ProcessState.read(paths)
        let request = ProcessRequest(start: wanted.map(\.name), restart: selection.named)
        let targets = wanted.map { p -> ProcessReadiness.Target in
            guard let e = state?.entry(p.name) else { return .init(name: p.name, minRuns: 1, restarts: 0) }
            let again = selection.named.contains(p.name) || e.fingerprint != p.fingerprint || e.state != "running"
            return .init(name: p.name, minRuns: e.runs + (again ? 1 : 0), restarts: e.restarts)
        }
        try request.write(paths)
        if pid > 1 { kill(pid, SIGUSR1) }
        let results = await wait(ctx, targets, request: request.id, paths: paths) { SupervisorProbe.running(paths) != nil }
        if let error = ProcessReadiness.error(results, paths: paths, timeout: timeout, order: wanted.map(\.name)) { throw error }
        return .running(try ProcessState.read(paths) ?? ProcessState(supervisor: pid, detached: true, stack: ""), supervisor: pid, handedOver: true)
    }

    /// `up --detach`: start `devenv supervise` in the background and wait for its processes.
    func startDetached(_ ctx: DevenvContext, _ wanted: [PlannedProcess], plan: StackPlan, paths: ProcessPaths) async throws -> ProcessLaunch {
        let command = Self.supervisorCommand(executable: Bundle.main.executablePath ?? CommandLine.arguments[0], root: plan.manifest.root,
                                             stack: plan.identity.stack, branch: branch, processes: wanted.map(\.name))
        let pid = try ctx.runner.detach(command, output: paths.supervisorLog)
        let targets = wanted.map { ProcessReadiness.Target(name: $0.name, minRuns: 1, restarts: 0) }
        // Only this supervisor's state counts: `state.json` may still hold an earlier run's
        // (a failed `up`), whose "failed" must not end this wait before it has begun.
        let results = await wait(ctx, targets, request: nil, paths: paths, supervisor: pid) { Self.childAlive(pid) }
        if let error = ProcessReadiness.error(results, paths: paths, timeout: timeout, order: wanted.map(\.name)) {
            try await Self.stopStarted(pid, paths: paths)
            var e = error
            if results.values.contains(.failed("its supervisor stopped")) {
                e.details += ["  supervisor log (\(paths.supervisorLog)):"] + ProcessLogs.tail(paths.supervisorLog, lines: 10).map { "  | " + $0 }
            }
            throw e
        }
        return .running(try ProcessState.read(paths) ?? ProcessState(supervisor: pid, detached: true, stack: plan.identity.stack),
                        supervisor: pid, handedOver: false)
    }

    /// The background supervisor: this devenv binary's hidden `supervise` command.
    public static func supervisorCommand(executable: String, root: String, stack: String, branch: Bool, processes: [String]) -> Command {
        Command(executable, ["supervise", "-C", root, "--stack", stack] + (branch ? ["--branch"] : []) + ["--"] + processes)
    }

    /// Stops the background supervisor this `up` started, whether or not it has taken its
    /// lock yet (a failed `up --detach` leaves nothing restarting): through its lock first, then
    /// by its pid (TERM, KILL after a grace), then whatever it left running.
    static func stopStarted(_ pid: Int32, paths: ProcessPaths, grace: TimeInterval = 20) async throws {
        try await ProcessControl.stop(paths, timeout: grace)
        guard pid > 1, childAlive(pid) else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, childAlive(pid) { try? await Task.sleep(nanoseconds: 50_000_000) }
        if childAlive(pid) {
            kill(pid, SIGKILL)
            let hard = Date().addingTimeInterval(5)
            while Date() < hard, childAlive(pid) { try? await Task.sleep(nanoseconds: 50_000_000) }
        }
        _ = try ProcessControl.clearLeftovers(paths)
    }

    /// `supervisor`: only a state written by that supervisor counts (nil: any).
    func wait(_ ctx: DevenvContext, _ targets: [ProcessReadiness.Target], request: String?, paths: ProcessPaths, supervisor: Int32? = nil,
              alive: @escaping @Sendable () -> Bool) async -> [String: ProcessReadiness.Result] {
        let board = ProgressBoard(output: ctx.output, services: targets.map(\.name), enabled: progress, linesOnStderr: progressOnStderr)
        board.setAll("starting")
        let results = await ProcessReadiness.wait(targets, request: request, timeout: timeout,
                                                  read: {
                                                      guard let s = (try? ProcessState.read(paths)) ?? nil else { return nil }
                                                      return supervisor == nil || s.supervisor == supervisor ? s : nil
                                                  }, alive: alive) { name, secs in
            board.set(name, "ready", seconds: secs)
        }
        for (name, r) in results { if case .ready = r { continue }; board.set(name, "not ready") }
        board.finish()
        return results
    }

    /// Whether a child devenv started is still running (reaping it if it ended).
    static func childAlive(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == 0 { return true }
        if r == pid { return false }
        return kill(pid, 0) == 0
    }
}
