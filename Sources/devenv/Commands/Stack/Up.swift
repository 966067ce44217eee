import ArgumentParser
import DevenvKit
import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start the stack and wait until every service answers from the host.",
        discussion: """
        Plans ports and credentials, renders .devenv/stacks/<stack>/compose.yaml, starts what is \
        not already running, probes each service on 127.0.0.1 in its own protocol, then writes \
        the .env files, then applies seeds not applied yet (see `devenv seed`). A second `up` on a \
        ready stack restarts nothing.

        With `isolation: branch` in devenv.yml, or --branch for one run, the stack is the current \
        git branch's own (`<name>-<branch>`, one per worktree). A new branch stack starts with a \
        copy of its parent's data: the default branch's stack (origin/HEAD, main or master), or \
        --from STACK. The parent's services are stopped for the copy and started again. --fresh \
        starts it empty and runs the seeds instead.

        With `processes:` in devenv.yml, up then starts the app's own processes in dependency \
        order, each with the stack's values in its environment and on its port, waits until each \
        is ready, and stays in the foreground streaming their lines (`name | line`); one that dies \
        is restarted (1 s, 2 s, 4 s… between restarts). Ctrl-C stops the processes and leaves the \
        services running. --detach runs them under a small background supervisor instead (`devenv \
        logs NAME -f`, `devenv status`, `devenv down`). `up NAME` starts or restarts one process \
        (and what it depends on); when a supervisor runs already, it takes the request.

        With --attach, up stays in the foreground: it streams every service's logs \
        (`service | line`), keeps probing each service, restarts one that exits or stops \
        answering for --grace seconds (waiting 1 s, 2 s, 4 s… between restarts) and says why. \
        Ctrl-C (SIGINT or SIGTERM) stops the stack and exits 0; --keep leaves it running. A \
        service that still fails after --max-restarts restarts ends it with exit code 1.

        When a service's data was written by an older major version than devenv.yml names, up \
        stops before starting anything and names `devenv upgrade SERVICE`; --upgrade runs that \
        upgrade first (the copy into a new volume; the old one is kept as a snapshot), and a branch stack's up asks on a terminal.

        A service with `profiles:` starts only with --profile naming one of them (or when it is \
        named itself). A service with `restart: "no"` is a step: it runs once, and up waits until \
        it exits 0 (any other exit fails up with its logs).

        Examples:
          devenv up
          devenv up postgres --timeout 300
          devenv up --json | jq -r '.services[0].url'
          devenv up --branch --from shop-develop
          devenv up --attach
          devenv up --attach --keep --max-restarts 10
          devenv up --detach
          devenv up api
          devenv up --profile debug
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only these services or processes (default: all).") var services: [String] = []
    @Option(help: "Seconds to wait for every service to be ready.") var timeout: Double = 120
    @Flag(help: "Use a stack of the current git branch for this run.") var branch = false
    @Flag(help: "A new branch stack starts empty and runs the seeds, instead of copying its parent's data.") var fresh = false
    @Option(help: ArgumentHelp("A new branch stack copies this stack's data (default: the default branch's stack).", valueName: "STACK"))
    var from: String?
    @Flag(help: "Data an older major version wrote (devenv.yml names a newer one) is upgraded first, as `devenv upgrade SERVICE --yes`.")
    var upgrade = false
    @Option(name: .customLong("profile"), help: ArgumentHelp("Also start the services of this profile (repeatable, like compose's --profile).", valueName: "NAME"))
    var profiles: [String] = []
    @Flag(help: "Print the stack's status as JSON (same shape as `devenv status --json`, plus `timings`).") var json = false
    @Flag(help: "With --json: still print the progress lines, on stderr (as `devenv mcp` uses it).") var progress = false
    @Flag(help: "Stay in the foreground: stream logs, restart what fails, stop the stack on Ctrl-C.") var attach = false
    @Flag(help: "Run the app's processes under a background supervisor and return once they are ready (implied by --json).")
    var detach = false
    @Flag(help: "With --attach: leave the stack running when devenv exits.") var keep = false
    @Option(help: "With --attach: restarts of one service in a row before giving up (exit 1).") var maxRestarts = 5
    @Option(help: "With --attach: seconds a running service may stop answering before it is restarted.") var grace: Double = 30

    func validate() throws {
        if attach && json { throw ValidationError("--attach streams logs; it cannot be combined with --json.") }
        if attach && detach { throw ValidationError("--attach stays in the foreground and --detach returns: use one of them.") }
        if !attach && (keep || maxRestarts != 5 || grace != 30) { throw ValidationError("--keep, --max-restarts and --grace only apply with --attach.") }
        if fresh && from != nil { throw ValidationError("--fresh starts empty and --from copies a stack: use one of them.") }
        if maxRestarts < 0 { throw ValidationError("--max-restarts must be 0 or more.") }
        if grace <= 0 { throw ValidationError("--grace must be more than 0 seconds.") }
    }

    func run() async throws {
        let ctx = global.context()
        var op = UpOperation()
        op.services = services
        op.timeout = timeout
        op.branch = branch
        op.branchStart = BranchStart(fresh: fresh, from: from)
        op.progress = !json || progress
        op.progressOnStderr = json
        op.detach = detach || json
        op.upgrade = upgrade
        op.profiles = profiles
        let outcome = try await op.run(ctx)
        if json {
            if let origin = outcome.origin { ctx.output.error(origin) }
            for line in outcome.seedReport.lines { ctx.output.error(line) }
            try ctx.output.json(outcome.report); return
        }
        let verb = outcome.started ? "is ready" : "was already up"
        ctx.output.print("Stack \(ctx.output.style(outcome.plan.identity.stack, .bold)) \(verb) (\(String(format: "%.1f", outcome.seconds))s).")
        for line in StatusBuilder.table(outcome.report, plan: outcome.plan, output: ctx.output) { ctx.output.print(line) }
        for line in outcome.report.pulls.map(\.line) { ctx.output.print(line) }
        if ctx.engine.endpoint.source != .defaultSocket {
            ctx.output.print(ctx.output.style("Engine: \(ctx.engine.address) (\(ctx.engine.endpoint.source.description))" +
                                              (RemoteStack.forwardSummary(ctx, stack: outcome.plan.identity.stack).map { "; " + $0 } ?? ""), .dim))
        }
        if !outcome.envReport.isEmpty {
            for line in outcome.envReport { ctx.output.print(line) }
        }
        for line in outcome.seedReport.lines { ctx.output.print(line) }
        if let origin = outcome.origin { ctx.output.print(origin) }
        ctx.output.print(ctx.output.style(outcome.timings.summary, .dim))
        var supervisor = Supervisor()
        supervisor.keep = keep
        supervisor.policy.maxRestarts = maxRestarts
        supervisor.policy.grace = grace
        let names = outcome.timings.services.map(\.name)
        switch outcome.processes {
        case .foreground(let processes)?:
            try await processes.run(ctx, attach: attach ? supervisor : nil, plan: outcome.plan, services: names)
            return
        case .running(_, let pid, let handedOver)?:
            for line in ProcessStatusReader.table(outcome.report.processes, output: ctx.output) { ctx.output.print(line) }
            ctx.output.print(handedOver
                ? "The processes run under the supervisor that was running already (pid \(pid))."
                : "The processes run in the background (supervisor pid \(pid)): `devenv logs NAME -f` follows one, `devenv down` stops everything.")
        case nil: break
        }
        guard attach else { return }
        try await supervisor.run(ctx, plan: outcome.plan, services: names)
    }
}
