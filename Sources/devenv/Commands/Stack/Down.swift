import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Down: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the stack. Data is kept unless --volumes.",
        discussion: """
        Examples:
          devenv down                   # stop; volumes (data) stay
          devenv down --volumes --yes   # stop and delete the data
          devenv down --all             # every stack of this project (each branch and worktree)
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Also delete the stack's volumes (its data). Asks first; needs --yes without a terminal.") var volumes = false
    @Flag(name: [.short, .long], help: "Do not ask.") var yes = false
    @Flag(help: "Use the stack of the current git branch.") var branch = false
    @Flag(help: "Every stack of this project: the project's and each branch's or worktree's.") var all = false

    func validate() throws {
        if all && branch { throw ValidationError("--all already takes every branch's stack; drop --branch.") }
    }

    func run() async throws {
        let ctx = global.context()
        if all { try await DownAllOperation(volumes: volumes, yes: yes).run(ctx); return }
        try await DownOperation(volumes: volumes, yes: yes, branch: branch).run(ctx)
    }
}
