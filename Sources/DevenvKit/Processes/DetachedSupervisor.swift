import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// The background supervisor `up --detach` starts (`devenv supervise`, hidden): one per stack,
/// in a session of its own, so closing the terminal does not stop it. Its pid is in
/// `processes/supervisor.pid`, its own lines in `processes/supervisor.log`, each process's in
/// `processes/logs/NAME.log`. SIGTERM or SIGINT (`devenv down`) stops the processes, then it.
public enum DetachedSupervisor {
    public static func run(_ ctx: DevenvContext, stack: String, branch: Bool, names: [String]) async throws {
        _ = setsid()
        signal(SIGHUP, SIG_IGN)
        signal(SIGUSR1, SIG_IGN)   // a nudge from `up`; requests are polled anyway
        let project = try Project.load(ctx, branch: branch)
        guard project.identity.stack == stack else {
            throw DevenvError("devenv.yml in \(ctx.cwd) plans stack \(project.identity.stack), not \(stack)")
        }
        let plan = try project.proposedPlan(ctx)
        guard plan.claimed else { throw DevenvError("stack \(stack) has no ports yet; `devenv up` claims them first") }
        let paths = ProcessPaths(stateDir: plan.stateDir)
        guard let lock = try ProcessControl.lock(paths) else {
            throw DevenvError("another devenv runs the processes of stack \(stack) already")
        }
        defer { unlink(paths.pidFile); lock.unlock() }
        try ProcessControl.writePid(paths)
        try ProcessTrust.require(ctx, project: project)

        let wanted = ProcessPlanner.closure(names, of: try ProcessPlanner.plan(plan))
        let sink = ProcessLogSink(paths: paths, output: ctx.output, echo: false, names: wanted.map(\.name))
        defer { sink.close() }
        let supervisor = ProcessSupervisor(runner: ctx.runner, prober: ctx.prober, paths: paths, sink: sink, stack: stack, detached: true,
                                           replan: ForegroundProcesses.replanner(ctx, root: project.manifest.root, branch: branch, stack: stack))
        supervisor.add(wanted)
        let trap = SignalTrap([SIGTERM, SIGINT])
        defer { trap.release() }
        sink.note("supervising \(wanted.map(\.name).joined(separator: ", ")) of stack \(stack) (pid \(getpid()))")
        await supervisor.run(until: { trap.received != nil })
        sink.note("stopped" + (trap.received.map { " (\(SignalTrap.name($0)))" } ?? ""))
    }
}
