import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter devenv.yml.",
        discussion: """
        With --services, writes it without questions. Otherwise reads an existing compose file \
        and .env.example to suggest services (and env keys), and asks on a terminal.

        Examples:
          devenv init --services postgres,redis
          devenv init --services postgres@15,redis@7,minio --name myapp
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated kinds, each optionally with @VERSION.") var services: String?
    @Option(help: "The project name (default: the folder's name).") var name: String?
    @Flag(help: "Overwrite an existing devenv.yml.") var force = false

    func run() async throws {
        let ctx = global.context()
        let list = services.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let text = try InitOperation(services: list, name: name, force: force).run(ctx)
        ctx.output.print("Wrote devenv.yml:")
        ctx.output.print(text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        ctx.output.print("Next: `devenv up`.")
    }
}
