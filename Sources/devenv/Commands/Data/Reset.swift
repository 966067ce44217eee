import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Reset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Delete a service's data, start it again and re-apply its seeds.",
        discussion: """
        Removes the service's container and data volume(s), forgets its seeds in the ledger, \
        then runs `up` for it. Asks on a terminal; needs --yes elsewhere.

        Examples:
          devenv reset postgres
          devenv reset --yes            # every service
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this service (default: every service).") var service: String?
    @Flag(name: [.short, .long], help: "Do not ask.") var yes = false
    @Option(help: "Seconds to wait for the service to be ready again.") var timeout: Double = 120
    @Flag(help: "Use the stack of the current git branch.") var branch = false

    func run() async throws {
        let ctx = global.context()
        var op = ResetOperation(service: service, yes: yes, branch: branch)
        op.timeout = timeout
        guard let outcome = try await op.run(ctx) else { return }
        let what = service ?? "every service"
        ctx.output.print("Reset \(what) of stack \(ctx.output.style(outcome.up.plan.identity.stack, .bold))" +
                         (outcome.removed.isEmpty ? " (it had no data volume)." : "; deleted \(outcome.removed.joined(separator: ", "))."))
        for line in outcome.up.seedReport.lines { ctx.output.print(line) }
    }
}
