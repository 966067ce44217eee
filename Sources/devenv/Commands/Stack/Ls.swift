import ArgumentParser
import DevenvKit
import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Ls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List every stack on this machine, across projects.",
        discussion: """
        From the registry and the engine's labelled containers and volumes: stack, project, \
        branch, state (running, stopped: data kept, missing: nothing on the engine, unknown: its \
        engine does not answer), ports, disk used by its volumes (snapshots included), last use, \
        the engine it runs on, folder. A stack `up` started on another engine (a context, an \
        ssh host) is read from that engine.

        Examples:
          devenv ls
          devenv ls --json | jq -r '.[] | select(.state == "stopped") | .stack'
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON: [{stack, project, root, branch, state, ports, disk_bytes, last_used, engine}].") var json = false

    func run() async throws {
        let ctx = global.context()
        try ctx.engine.ping()
        let stacks = try StackEngines.collect(ctx, sizes: true)
        try ctx.output.report(TableReport(stacks, empty: "No stacks on this machine. `devenv up` in a project starts one."), json: json)
    }
}
