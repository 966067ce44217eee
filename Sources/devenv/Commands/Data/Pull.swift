import ArgumentParser
import DevenvKit
import DevenvCore

struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Bring masked data from staging into a local service (pull: in devenv.yml).",
        discussion: """
        Reads pull.SERVICE of devenv.yml. The source's catalog is read first: a column whose \
        name or type looks personal and has no rule stops the pull before any row is read \
        (exit 2). Each table is then read on the source, masked there, in a read-only \
        transaction (COPY (SELECT …) TO STDOUT), and streamed into a new local database; \
        constraints and indexes follow the data, sequences are set past the largest ids, and \
        the new database replaces the old one only when complete. The local data is saved \
        first as snapshot pull-<time>. psql and pg_dump run in the local service's container.

        For an S3 kind (minio, rustfs), the objects of the staging bucket under pull.SERVICE.\
        prefixes within max_object_size and max_size are copied into a local bucket by the AWS \
        CLI on this machine (staging read with your own credentials and endpoint).

        Examples:
          devenv pull postgres --dry-run
          devenv pull postgres --yes
          devenv pull postgres --yes --json | jq '.record.tables'
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The service to pull into (a key of pull: in devenv.yml).") var service: String
    @Flag(help: "Replace the local data without asking.") var yes = false
    @Flag(name: .customLong("dry-run"), help: "List the tables, filters and masked columns that would be read; read no row, change nothing.") var dryRun = false
    @Flag(help: "Print JSON: {service, source, dry_run, tables: [{table, conditions, limit, masked}], skipped, snapshot, record}.") var json = false
    @Flag(help: "Use the stack of the current git branch.") var branch = false

    func run() async throws {
        let ctx = global.context()
        guard let outcome = try await PullOperation(service: service, yes: yes, dryRun: dryRun, branch: branch).run(ctx) else { return }
        if json { try ctx.output.json(outcome); return }
        for line in outcome.lines { ctx.output.print(line) }
    }
}
