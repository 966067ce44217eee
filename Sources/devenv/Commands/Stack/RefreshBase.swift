import ArgumentParser
import DevenvKit

/// The background refresh of a layered branch's base that `up` starts; not for people to run.
struct RefreshBase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh-base",   // every command is named: Devenv.swift says why
        abstract: "Take a new base of a parent stack's service for its next branches (started by `devenv up` in the background).",
        shouldDisplay: false)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The parent stack.") var stack: String
    @Option(help: "Its service whose base to take.") var service: String
    @Option(help: "Start once this process (the `up` that started it) has ended.") var after: Int32?

    func run() async throws {
        try await BaseRefresh.run(global.context(), parent: stack, service: service, after: after)
    }
}
