import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Trust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",   // every command is named: Devenv.swift says why
        abstract: "Trust this devenv.yml's host commands (staging command, processes).",
        discussion: """
        A command written in devenv.yml (staging.from.command, staging.versions.command, the \
        app's processes) runs only once you trusted the file as it is now; any edit asks again. \
        On a terminal devenv asks the first time; elsewhere (CI, scripts) it stops with exit 2 \
        until you run `devenv trust`. Presets and compose need no trust: devenv builds them.

        Examples:
          devenv trust              # trust devenv.yml as it is now, listing what it may run
          devenv trust --check      # exit 0 when trusted, 2 when not (or changed)
          devenv trust --revoke
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only say whether it is trusted: exit 0 trusted, 2 not trusted or changed.") var check = false
    @Flag(help: "Forget the trust in this devenv.yml.") var revoke = false

    func run() async throws {
        let ctx = global.context()
        if check && revoke { throw ValidationError("--check and --revoke cannot be combined") }
        let outcome = try TrustOperation.run(ctx, action: check ? .check : revoke ? .revoke : .trust)
        let shown = Paths.relative(outcome.manifest, to: ctx.cwd)
        let list = outcome.commands.map { "  \($0.place): \(StagingSource.masked($0.argv).joined(separator: " "))" }
        switch (check, revoke, outcome.state) {
        case (true, _, .trusted):
            ctx.output.print("\(shown) is trusted as it is now.")
        case (true, _, let state):
            throw DevenvError(state == .changed ? "\(shown) changed since you trusted it" : "\(shown) is not trusted",
                              hint: "Review it, then run `devenv trust`.", exitCode: .usage, details: list)
        case (_, true, _):
            ctx.output.print("\(shown) is no longer trusted: its host commands will not run until you trust it again.")
        default:
            ctx.output.print("Trusted \(shown) as it is now" + (outcome.commands.isEmpty ? " (it has no host commands yet)." : "; it may run:"))
            for line in list { ctx.output.print(line) }
        }
    }
}
