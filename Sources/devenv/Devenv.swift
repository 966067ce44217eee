import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

// Every command sets commandName. Without it ArgumentParser derives the name from the type with
// String(describing:), on every start (it builds the whole command tree), and each of those
// dynamic casts misses the conformance cache and scans all of the static binary's ~8,500
// protocol conformance records.
struct Devenv: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devenv",
        abstract: "The same local backing services for every developer of a project, with one command.",
        discussion: """
        devenv reads devenv.yml (found from the current folder up), runs its services with \
        docker compose on 127.0.0.1, waits until each answers, and writes the app's .env files.

        Examples:
          devenv init --services postgres,redis
          devenv up
          devenv status --json
          devenv --context colima up      # another docker engine, as `docker --context`
          devenv compose exec postgres psql -U devenv
          devenv down --volumes --yes
        """,
        version: "\(DevenvKitVersion.current) (commit \(BuildInfo.commit))",
        subcommands: [Init.self, Up.self, Down.self, Status.self, Logs.self, Run.self, ComposeCommand.self, Env.self, Seed.self, Reset.self,
                      SnapshotCommand.self, Pull.self, Upgrade.self, Mirror.self, Ports.self, Ls.self, Gc.self, Doctor.self, Trust.self,
                      Supervise.self, RefreshBase.self, Mcp.self])
}
