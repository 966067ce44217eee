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
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only say what would be removed.") var dryRun = false
    @Flag(name: [.short, .long], help: "Do not ask.") var yes = false

    func run() async throws {
        try await GcOperation(dryRun: dryRun, yes: yes).run(global.context())
    }
}
