import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Ports: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ports",
        abstract: "Show the ports devenv manages and who holds each; free one.",
        discussion: """
        States: listening (held by its stack or app), free, conflict (held by someone else).

        Examples:
          devenv ports
          devenv ports --all --json | jq '.[] | select(.port == 5432)'
          devenv ports free 5432
        """,
        subcommands: [List.self, Free.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List ports and their holders (the default).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Every TCP listener on the machine, not only devenv's ports.") var all = false
        @Flag(help: "Print JSON: [{port, stack, service, state, holder: {pid, command, container, compose_project}}].") var json = false

        func run() async throws {
            let ctx = global.context()
            let rows = try PortsOperation.list(ctx, all: all)
            try ctx.output.report(PortsOperation.Listing(rows: rows, all: all), json: json)
        }
    }

    struct Free: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "free",
            abstract: "Stop whatever holds PORT: a devenv stack (down, data kept), a container (stop), a process (TERM, then KILL).",
            discussion: "Asks on a terminal; needs --yes elsewhere. Refuses PID 1 and other users' processes unless run as root.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The TCP port to free.") var port: Int
        @Flag(name: [.short, .long], help: "Do not ask.") var yes = false

        func run() async throws {
            try await FreePortOperation(port: port, yes: yes).run(global.context())
        }
    }
}
