import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Gc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove stacks whose branch was deleted, whose worktree was removed, or whose project folder is gone, and the old data upgrades kept.",
        discussion: """
        Looks at every stack on this machine (`devenv ls`). Removes only containers, networks and \
        volumes (snapshots included) that carry devenv's labels, and forgets the stack in the \
        registry. In the stacks it keeps, deletes the old volumes `devenv upgrade` kept for \
        --rollback (what `devenv upgrade SERVICE --finish` deletes). Says what it removes and \
        the disk it frees; asks first on a terminal, needs --yes elsewhere.

        Examples:
          devenv gc --dry-run
          devenv gc
          devenv gc --yes
          devenv gc --dry-run --json | jq -r '.stacks[].stack'
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only say what would be removed.") var dryRun = false
    @Flag(name: [.short, .long], help: "Do not ask.") var yes = false
    @Flag(help: "Print JSON: {dry_run, stacks: [{stack, project, root, branch, reason, containers, volumes, bytes}], upgrade_volumes: [{volume, stack, service, version, upgraded_to, bytes}], removed_stacks, removed_volumes, bases_removed, freed_bytes}. Needs --dry-run or --yes.") var json = false

    func run() async throws {
        let ctx = try global.context()
        let outcome = try await GcOperation(dryRun: dryRun, yes: yes, quiet: json).run(ctx)
        if json { try ctx.output.json(outcome) }
    }
}
