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
        if json { try ctx.output.json(report); return }
        ctx.output.print("Stack \(ctx.output.style(report.stack, .bold)) (\(report.root)\(report.branch.map { ", branch \($0)" } ?? ""))")
        for line in StatusBuilder.table(report, plan: plan, output: ctx.output) { ctx.output.print(line) }
        if !report.processes.isEmpty {
            for line in ProcessStatusReader.table(report.processes, output: ctx.output) { ctx.output.print(line) }
        }
        ctx.output.print(ctx.output.style("Engine: \(report.engine ?? ctx.engine.address) (\(ctx.engine.endpoint.source.description))" +
                                          (RemoteStack.forwardSummary(ctx, stack: report.stack).map { "; " + $0 } ?? ""), .dim))
    }
}
