import ArgumentParser
import DevenvKit

struct Down: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop the stack. Data is kept unless --volumes.",
        discussion: """
        Examples:
          devenv down                   # stop; volumes (data) stay
          devenv down --volumes --yes   # stop and delete the data
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Also delete the stack's volumes (its data). Asks first; needs --yes without a terminal.") var volumes = false
    @Flag(name: [.short, .long], help: "Do not ask.") var yes = false
    @Flag(help: "Use the stack of the current git branch.") var branch = false

    func run() async throws {
        let ctx = global.context()
        try await DownOperation(volumes: volumes, yes: yes, branch: branch).run(ctx)
    }
}
