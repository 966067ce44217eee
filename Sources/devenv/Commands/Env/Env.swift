import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Env: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Write the .env files, or check or print them.",
        discussion: """
        devenv updates the keys it manages in place and appends missing ones; every other \
        line, comment and ordering stays as it was. A value you changed by hand is kept \
        (and reported) unless --force.

        Examples:
          devenv env                      # write the files
          devenv env --check              # exit 1 listing stale or missing keys (CI, git hooks)
          devenv env --json | jq '.files["api/.env"].DATABASE_URL'
          eval "$(devenv env --shell)"
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Verify instead of writing: exit 1 listing every stale or missing managed key.") var check = false
    @Flag(help: "Print {\"files\":{PATH:{KEY:value}}}.") var json = false
    @Flag(help: "Print `export KEY='value'` lines for eval.") var shell = false
    @Flag(help: "Overwrite values a person changed by hand.") var force = false
    @Flag(help: "Show secret values on a terminal (they are masked there by default).") var showSecrets = false
    @Flag(help: "Use the stack of the current git branch.") var branch = false

    func run() async throws {
        let ctx = global.context()
        let plan = try EnvOperation.plan(ctx, branch: branch, claim: !check)
        let mask = ctx.output.isTerminal && !showSecrets
        if json { try ctx.output.json(try EnvOperation.files(plan, mask: mask)); return }
        if shell { for line in try EnvOperation.shell(plan, mask: mask) { ctx.output.print(line) }; return }
        if check {
            let problems = try EnvStage.check(plan)
            if problems.isEmpty { ctx.output.print("The .env files are up to date."); return }
            throw DevenvError("the .env files are out of date:", hint: "Run `devenv env` (or `devenv up`) to update them.",
                              details: problems.map { "  " + $0 })
        }
        let lines = try await EnvStage.write(plan, ctx: ctx, force: force)
        if lines.isEmpty { ctx.output.print("The .env files are up to date.") }
        for l in lines { ctx.output.print(l) }
    }
}
