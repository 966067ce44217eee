import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The background supervisor `up --detach` starts; not for people to run.
struct Supervise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervise",   // every command is named: Devenv.swift says why
        abstract: "Run a stack's app processes in the background (started by `devenv up --detach`).",
        shouldDisplay: false)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The stack whose processes to run (it must be the one devenv.yml plans here).") var stack: String
    @Flag(help: "The stack of the current git branch.") var branch = false
    @Argument(help: "The processes to run (and what they depend on).") var processes: [String] = []

    func run() async throws {
        try await DetachedSupervisor.run(global.context(), stack: stack, branch: branch, names: processes)
    }
}
