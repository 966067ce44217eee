import ArgumentParser
import DevenvKit
import Foundation

struct Ls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List every stack on this machine, across projects.",
        discussion: """
        From the registry and the engine's labelled containers and volumes: stack, project, \
        branch, state (running, stopped: data kept, missing: nothing on the engine), ports, disk \
        used by its volumes (snapshots included), last use, folder.

        Examples:
          devenv ls
          devenv ls --json | jq -r '.[] | select(.state == "stopped") | .stack'
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON: [{stack, project, root, branch, state, ports, disk_bytes, last_used}].") var json = false

    func run() async throws {
        let ctx = global.context()
        try ctx.engine.ping()
        let stacks = try StackInventory.collect(ctx, sizes: true)
        if json { try ctx.output.json(stacks); return }
        guard !stacks.isEmpty else { ctx.output.print("No stacks on this machine. `devenv up` in a project starts one."); return }
        let date = DateFormatter()
        date.locale = Locale(identifier: "en_US_POSIX")
        date.dateFormat = "yyyy-MM-dd HH:mm"
        let rows = [["STACK", "PROJECT", "BRANCH", "STATE", "PORTS", "DISK", "LAST USED", "ROOT"]] + stacks.map { s in
            [s.stack, s.project, s.branch ?? "-", s.state, s.ports.values.sorted().map(String.init).joined(separator: ","),
             Snapshot.humanSize(s.diskBytes), s.lastUsed.map { date.string(from: $0) } ?? "-", s.root.isEmpty ? "-" : s.root]
        }
        let widths = (0..<8).map { i in rows.map { $0[i].count }.max() ?? 0 }
        for r in rows {
            ctx.output.print("  " + r.enumerated().map { i, c in i == 7 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
    }
}
