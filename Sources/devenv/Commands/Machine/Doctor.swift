import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this machine and project, and say how to fix what is wrong.",
        discussion: """
        Machine: the Docker engine answers (and its version), compose v2 is installed, free \
        disk where the engine keeps its data, the image mapping in effect. Inside a project \
        (devenv.yml here or above): the manifest is valid, its ports are free or held by its \
        own stack, the .env files it writes are ignored by git, no stack is left from a \
        deleted branch. Exits 1 when any check fails; each failure says how to fix it.

        Examples:
          devenv doctor
          devenv doctor --json | jq '.[] | select(.ok | not)'
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON: [{check, ok, detail, fix}] (fix is null when ok).") var json = false

    func run() async throws {
        let ctx = global.context()
        let outcome = await DoctorOperation().run(ctx)
        try ctx.output.report(outcome, json: json)
        if !outcome.ok { throw ExitCode(DevenvCore.ExitCode.failure.rawValue) }
    }
}
