import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct ComposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Run docker compose with this stack's file and project name.",
        discussion: """
        Everything after `compose` goes to docker compose unchanged.

        Examples:
          devenv compose ps
          devenv compose config
          devenv compose exec postgres psql -U devenv
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(parsing: .captureForPassthrough, help: "Arguments for docker compose.") var arguments: [String] = []

    func run() async throws {
        let status = try await ComposePassthrough.run(global.context(), arguments)
        if status != 0 { throw ExitCode(status) }
    }
}
