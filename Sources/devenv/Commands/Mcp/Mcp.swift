import ArgumentParser
import Foundation
import DevenvKit
import DevenvMCP

struct Mcp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the stack's commands as MCP tools on stdio, for coding agents.",
        discussion: """
        A Model Context Protocol server on stdin/stdout, started by an agent's client in a \
        project folder or git worktree (each worktree gets its own stack). Tools: up, down, \
        status, ports, logs, seed, reset, snapshot_save, snapshot_restore, run, doctor; each \
        runs this devenv binary with --json in that folder and returns its JSON. Resources: \
        devenv://manifest, devenv://env (secrets masked; devenv://env/revealed), devenv://kinds. \
        down with volumes, reset and snapshot_restore need confirm: true. Host commands from \
        devenv.yml run only once `devenv trust` was run, as on the command line.

        Register it with a client (Claude Code's .mcp.json, Cursor's .cursor/mcp.json):
          {"mcpServers": {"devenv": {"command": "devenv", "args": ["mcp"]}}}

        Examples:
          devenv mcp
          devenv mcp -C ../my-worktree
        """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let ctx = global.context()
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        try await MCPServer(executable: executable, directory: ctx.cwd, dockerContext: global.dockerContext, ctx: ctx).serve()
    }
}
