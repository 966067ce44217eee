import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the stack and each service: state, health, ports, URLs.",
        discussion: """
        Examples:
          devenv status
          devenv status --json | jq '.services[] | {name, url}'
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON: {stack, project, branch, root, services: [{name, kind, image, state, health, host, port, ports, url}], processes: [{name, state, pid, port, restarts, ready, command, exit_code}]}.")
    var json = false
    @Flag(help: "Use the stack of the current git branch.") var branch = false

    func run() async throws {
        let ctx = global.context()
        let (plan, report) = try StatusOperation.run(ctx, branch: branch)
        let engine = "Engine: \(report.engine ?? ctx.engine.address) (\(ctx.engine.endpoint.source.description))"
            + (RemoteStack.forwardSummary(ctx, stack: report.stack).map { "; " + $0 } ?? "")
        try ctx.output.report(StatusView(report: report, plan: plan, engineLine: engine), json: json)
    }
}
