import ArgumentParser
import DevenvKit

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show service logs.",
        discussion: """
        Examples:
          devenv logs
          devenv logs postgres -f
          devenv logs redis --tail 50
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this service.") var service: String?
    @Flag(name: [.short, .long], help: "Keep streaming new lines.") var follow = false
    @Option(help: "Only the last N lines of each service.") var tail: Int?

    func run() async throws {
        let ctx = global.context()
        let project = try Project.load(ctx)
        if let service { try project.checkServices([service]) }
        try ctx.engine.ping()
        let status = try await ctx.runner.attach(Compose.logs(project.composeProject, services: service.map { [$0] } ?? [], follow: follow, tail: tail))
        if status != 0 { throw ExitCode(status) }
    }
}
