import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Mirror: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Import staging's config into the local .env file, or report drift.",
        discussion: """
        Reads staging: in devenv.yml, fetches staging's variables (a file, a command, or a \
        provider CLI preset), points infrastructure URLs at the local stack, rewrites the team's \
        staging hosts, replaces secrets with placeholders unless kept, and writes the keys into \
        the .env target (your own lines are kept) and devenv.staging.lock (committable: no secret \
        values). Secret values are never printed.

        Examples:
          devenv mirror                  # write the .env target and the lock
          devenv mirror --dry-run        # show what would change
          devenv mirror --from-lock      # no staging access: keys from the lock
          devenv mirror --check          # exit 1 listing drift, or when staging cannot be read
          devenv mirror --check --json | jq '.drift'
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Compare staging, the lock and the local file; exit 1 on drift or when staging cannot be read.") var check = false
    @Flag(help: "Print {\"keys\":[…],\"drift\":[…]}.") var json = false
    @Flag(help: "Show what would be written, write nothing.") var dryRun = false
    @Flag(help: "Use devenv.staging.lock instead of staging (no staging access needed).") var fromLock = false
    @Flag(help: "Overwrite values a person changed by hand in the .env target.") var force = false
    @Flag(help: "Use the stack of the current git branch.") var branch = false

    func run() async throws {
        let ctx = global.context()
        var options = MirrorOperation.Options()
        options.check = check
        options.fromLock = fromLock
        options.dryRun = dryRun || check
        options.force = force
        options.branch = branch
        let report = try await MirrorOperation.run(ctx, options: options)
        if json {
            try ctx.output.json(report)
            for note in report.notes { ctx.output.error("note: " + note) }
        } else {
            show(report, ctx: ctx)
        }
        // A check that could not read staging fails, whatever the lock and the file say.
        if let sourceError = report.sourceError { throw sourceError }
        if check && !report.drift.isEmpty {
            if json { throw ArgumentParser.ExitCode.failure }
            throw DevenvError("\(report.drift.count) difference\(report.drift.count == 1 ? "" : "s") between staging, \(StagingLock.fileName) and \(report.target)",
                              hint: "Run `devenv mirror` (or `devenv mirror --from-lock`) and commit \(StagingLock.fileName); list keys only local config needs under staging.local:.")
        }
    }

    func show(_ report: MirrorReport, ctx: DevenvContext) {
        let out = ctx.output
        if check {
            out.print("Checked \(report.target) against \(report.source):")
            for note in report.notes { out.print("note: " + note) }
            if report.drift.isEmpty {
                if report.sourceError == nil { out.print("No drift: \(report.keys.count) keys match.") }
                return
            }
            for d in report.drift { out.print("  " + out.style(d.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0), .yellow) + " " + d.detail) }
            return
        }
        out.print("\(dryRun ? "Would mirror" : "Mirrored") \(report.keys.count) keys from \(report.source) into \(report.target):")
        if !report.keys.isEmpty { out.print(report.keyText()) }   // one write, not one per key
        for note in report.notes { out.print(note.hasPrefix("warning:") ? out.style(note, .yellow) : "note: " + note) }
        for d in report.drift { out.print(out.style("warning:", .yellow) + " " + d.detail + " (version drift: change the service's version in devenv.yml or staging.versions)") }
    }
}
