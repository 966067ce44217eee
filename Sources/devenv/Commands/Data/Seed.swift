import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Apply the seed files of devenv.yml that are not applied yet.",
        discussion: """
        `devenv up` does this by itself. Each applied file is recorded with its checksum in \
        .devenv/stacks/<stack>/seeds.json; a file changed since it was applied is reported and \
        skipped. --force applies every seed file again, whatever the ledger says (on top of \
        the current data; `devenv reset` starts from empty data). A failing file stops the run \
        (exit 1) and is not recorded. --mark-applied records the current seed files as applied \
        without running them: for data that has them already whose ledger was lost (the project \
        folder cloned again at the same path), which `devenv up` reports.

        Examples:
          devenv seed
          devenv seed postgres --force
          devenv seed --mark-applied
          devenv seed --json | jq '.applied[].file'
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this service's seeds.") var service: String?
    @Flag(help: "Apply every seed file again, applied or not (changed files included).") var force = false
    @Flag(help: "Record the current seed files as applied, without running them (data that has them, whose ledger was lost).") var markApplied = false
    @Flag(help: "Print JSON: {applied: [{service, file, target, seconds}], unchanged: [...], changed: [...]}.") var json = false
    @Flag(help: "Use the stack of the current git branch.") var branch = false

    func run() async throws {
        let ctx = global.context()
        if markApplied && force { throw ValidationError("--mark-applied records seeds without running them; --force runs them: choose one") }
        let report = try await (markApplied ? SeedOperation.markApplied(ctx, service: service, branch: branch)
            : SeedOperation.run(ctx, service: service, force: force, branch: branch))
        try ctx.output.report(report, json: json)
    }
}
