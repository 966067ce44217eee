import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// The processes of a foreground `devenv up`: this devenv is their supervisor. Their lines
/// stream to the terminal (`name | line`, each name in its colour); Ctrl-C (SIGINT, or SIGTERM
/// or SIGHUP) stops them and leaves the services running. Another terminal sees them in
/// `devenv status` and `devenv logs NAME`, and `devenv up NAME` restarts one.
public final class ForegroundProcesses: Sendable {
    let plans: [PlannedProcess]
    let all: [PlannedProcess]
    let paths: ProcessPaths
    let stack: String
    let root: String
    let branch: Bool
    let timeout: TimeInterval

    init(plans: [PlannedProcess], all: [PlannedProcess], paths: ProcessPaths, stack: String, root: String, branch: Bool, timeout: TimeInterval) {
        self.plans = plans; self.all = all; self.paths = paths; self.stack = stack; self.root = root; self.branch = branch; self.timeout = timeout
    }

    public var names: [String] { plans.map(\.name) }

    /// Starts the processes, waits until each is ready (or fails `up` with its last lines,
    /// stopping the others), then streams until a signal. `attach`: supervise the services
    /// too (`up --attach`); the processes are stopped before the services are.
    public func run(_ ctx: DevenvContext, attach: Supervisor? = nil, plan: StackPlan? = nil, services: [String] = []) async throws {
        guard let lock = try ProcessControl.lock(paths) else {
            throw DevenvError("another devenv runs the processes of stack \(stack) already",
                              hint: "`devenv status` shows them; `devenv up NAME` restarts one; `devenv down` stops everything.")
        }
        defer { unlink(paths.pidFile); lock.unlock() }
        try ProcessControl.writePid(paths)
        signal(SIGUSR1, SIG_IGN)   // other `up` runs nudge the supervisor; requests are polled anyway

        let sink = ProcessLogSink(paths: paths, output: ctx.output, echo: true, names: (attach == nil ? [] : services) + names)
        defer { sink.close() }
        let supervisor = ProcessSupervisor(runner: ctx.runner, prober: ctx.prober, paths: paths, sink: sink, stack: stack,
                                           detached: false, replan: Self.replanner(ctx, root: root, branch: branch, stack: stack))
        supervisor.add(plans)
        let stop = Locked(false)
        let trap: SignalTrap? = attach == nil ? SignalTrap([SIGINT, SIGTERM, SIGHUP]) : nil
        defer { trap?.release() }
        let loop = Task { await supervisor.run(until: { stop.value }) }
        let watcher = Task {
            while !stop.value, trap?.received == nil { try? await Task.sleep(nanoseconds: 50_000_000) }
            if let sig = trap?.received { sink.note("\(SignalTrap.name(sig)) received") }
            stop.with { $0 = true }
        }

        let targets = plans.map { ProcessReadiness.Target(name: $0.name, minRuns: 1, restarts: 0) }
        let results = await ProcessReadiness.wait(targets, request: nil, timeout: timeout, read: { supervisor.snapshot() },
                                                  alive: { !stop.value }) { _, _ in }
        if !stop.value, let error = ProcessReadiness.error(results, paths: paths, timeout: timeout, order: names) {
            stop.with { $0 = true }
            await loop.value
            await watcher.value
            throw error
        }
        if !stop.value {
            sink.note("watching \(names.joined(separator: ", ")) of stack \(stack); "
                + (attach == nil ? "Ctrl-C stops them (the services keep running)" : "Ctrl-C stops them, then the services"))
        }
        if var attach, let plan {
            attach.beforeStop = { stop.with { $0 = true }; await loop.value }
            attach.extraNames = names
            defer { stop.with { $0 = true } }
            try await attach.run(ctx, plan: plan, services: services)
        }
        await loop.value
        await watcher.value
        if attach == nil { sink.note("the services keep running (`devenv down` stops them, `devenv up` starts the processes again)") }
    }

    /// Plans the processes again from devenv.yml (a request from another `up`).
    static func replanner(_ ctx: DevenvContext, root: String, branch: Bool, stack: String) -> @Sendable () throws -> [PlannedProcess] {
        { () throws -> [PlannedProcess] in
            let c = DevenvContext(cwd: root, environment: ctx.environment, output: .capturing(), runner: ctx.runner,
                                  engine: ctx.engine, prober: ctx.prober, now: ctx.now)
            let project = try Project.load(c, branch: branch)
            guard project.identity.stack == stack else {
                throw DevenvError("devenv.yml now plans stack \(project.identity.stack), not \(stack) (is another branch checked out?)")
            }
            try ProcessTrust.require(c, project: project)
            return try ProcessPlanner.plan(try project.proposedPlan(c))
        }
    }
}
