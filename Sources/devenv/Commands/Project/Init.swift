import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter devenv.yml.",
        discussion: """
        With --services, writes it without questions. Otherwise carries the project's compose file \
        over (compose.yaml, docker-compose.yml, docker-compose.dev.yml, .devcontainer/compose.yaml, \
        or --file), read through `docker compose config` so that variables, extends and profiles are \
        resolved as compose does: every compose service becomes a kind, a generic image, an app \
        process, or a "not carried: WHAT: WHY" line, in the output and in the file's header. \
        Without a compose file, reads .env.example and the app's folders, and asks on a terminal.

        Examples:
          devenv init
          devenv init --dry-run
          devenv init --file docker-compose.yml --file docker-compose.override.yml --json
          devenv init --services postgres,redis
          devenv init --services postgres@15,redis@7,minio --name myapp
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated kinds, each optionally with @VERSION.") var services: String?
    @Option(help: "The project name (default: the folder's name).") var name: String?
    @Option(name: [.customShort("f"), .customLong("file")], help: ArgumentHelp("A compose file to carry over (repeatable, like compose's -f).", valueName: "FILE"))
    var files: [String] = []
    @Flag(help: "Print what each compose service would become, and write nothing.") var dryRun = false
    @Flag(help: "Print JSON: {written, manifest, report: {files, reader, rows: [{service, became, name, carried, notCarried}], rewrites, undecided, warnings}}.") var json = false
    @Flag(help: "Overwrite an existing devenv.yml.") var force = false

    struct Output: Encodable { var written: Bool; var manifest: String; var report: InitReport }

    func run() async throws {
        let ctx = global.context()
        let list = services.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let r = try await InitOperation(services: list, name: name, force: force, files: files, dryRun: dryRun).run(ctx)
        if json { try ctx.output.json(Output(written: r.written, manifest: r.text, report: r.report)); return }
        for line in r.report.lines() { ctx.output.print(line) }
        if !r.report.rows.isEmpty { ctx.output.print() }
        ctx.output.print(r.written ? "Wrote devenv.yml:" : "Would write devenv.yml (--dry-run):")
        ctx.output.print(r.text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        if r.written { ctx.output.print("Next: `devenv up`.") }
    }
}
