import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",   // every command is named: Devenv.swift says why
        abstract: "Run a command with the stack's values in its environment.",
        discussion: """
        The command gets every key devenv manages (what `env:` in devenv.yml puts in the .env \\
        files, rendered for this stack), or only one file's keys with --env. No file is written. \\
        devenv becomes the command (exec): stdin, stdout, the terminal and signals are the \\
        command's own, and devenv exits with its exit code (127 when it is not found). The \\
        stack must have been started once (`devenv up`) so that its ports and passwords exist.

        Examples:
          devenv run -- pytest -x
          devenv run --env api/.env -- poetry run alembic upgrade head
          devenv run -- sh -c 'psql "$DATABASE_URL" -c "select 1"'
        """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("env"), help: ArgumentHelp("Only the keys of this env: file (default: every managed key).", valueName: "FILE"))
    var envFile: String?
    @Flag(help: "Use the stack of the current git branch.") var branch = false
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (after --).") var command: [String] = []

    func run() async throws {
        var argv = command
        if argv.first == "--" { argv.removeFirst() }
        guard !argv.isEmpty else { throw DevenvError.usage("say which command to run", hint: "For example: `devenv run -- pytest`.") }
        let ctx = global.context()
        let prepared = try RunOperation(command: argv, envFile: envFile, branch: branch).command(ctx)
        do { try ctx.runner.exec(prepared) } catch let e as ExecFailure {
            ctx.output.error(ctx.output.style("error:", .red) + " " + e.description)
            throw ArgumentParser.ExitCode(e.exitCode)
        }
    }
}
