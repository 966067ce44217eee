import ArgumentParser
import DevenvKit
import Foundation

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the stack and wait until every service answers from the host.",
        discussion: """
        Plans ports and credentials, renders .devenv/stacks/<stack>/compose.yaml, starts what is \
        not already running, probes each service on 127.0.0.1 in its own protocol, then writes \
        the .env files, then applies seeds not applied yet (see `devenv seed`). A second `up` on a \
        ready stack restarts nothing.

        Examples:
          devenv up
          devenv up postgres --timeout 300
          devenv up --json | jq -r '.services[0].url'
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only these services (default: all).") var services: [String] = []
    @Option(help: "Seconds to wait for every service to be ready.") var timeout: Double = 120
    @Flag(help: "Use a stack of the current git branch for this run.") var branch = false
    @Flag(help: "Print the stack's status as JSON (same shape as `devenv status --json`).") var json = false

    func run() async throws {
        let ctx = global.context()
        var op = UpOperation()
        op.services = services
        op.timeout = timeout
        op.branch = branch
        op.progress = !json
        let outcome = try await op.run(ctx)
        if json {
            for line in outcome.seedReport.lines { ctx.output.error(line) }
            try ctx.output.json(outcome.report); return
        }
        let verb = outcome.started ? "is ready" : "was already up"
        ctx.output.print("Stack \(ctx.output.style(outcome.plan.identity.stack, .bold)) \(verb) (\(String(format: "%.1f", outcome.seconds))s).")
        for line in StatusBuilder.table(outcome.report, plan: outcome.plan, output: ctx.output) { ctx.output.print(line) }
        if !outcome.envReport.isEmpty {
            ctx.output.print("Wrote \(outcome.envReport.joined(separator: ", ")). Passwords are hidden here; `devenv status --json` shows them.")
        }
        for line in outcome.seedReport.lines { ctx.output.print(line) }
    }
}
