import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show service or process logs.",
        discussion: """
        Without a name: every service's logs (docker compose logs). A process's logs are the \
        lines it printed under devenv (`.devenv/stacks/<stack>/processes/logs/NAME.log`), \
        with devenv's own lines about it marked `[devenv]`.

        Examples:
          devenv logs
          devenv logs postgres -f
          devenv logs redis --tail 50
          devenv logs api -f
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this service or process.") var service: String?
    @Flag(name: [.short, .long], help: "Keep streaming new lines.") var follow = false
    @Option(help: "Only the last N lines of each service.") var tail: Int?
    @Flag(help: "Use the stack of the current git branch.") var branch = false

    func run() async throws {
        let ctx = global.context()
        let project = try Project.load(ctx, branch: branch)
        if let service, project.manifest.process(named: service) != nil {
            try await ProcessLogs.show(ctx, project: project, process: service, follow: follow, tail: tail)
            return
        }
        if let service { _ = try UpSelection(manifest: project.manifest, names: [service]) }
        try ctx.engine.ping()
        try ComposeFile.checkUsable(project.composeProject.file)
        let status = try await ctx.runner.attach(Compose.logs(project.composeProject, services: service.map { [$0] } ?? [], follow: follow, tail: tail))
        if status != 0 { throw ExitCode(status) }
    }
}
