import ArgumentParser
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Copy the stack's data aside and back.",
        discussion: """
        A snapshot is a labelled Docker volume per service volume (<stack>--snap--<name>--<service>), \
        taken with the services stopped so the copy is consistent, the same way for every kind.

        Examples:
          devenv snapshot save before-migration
          devenv snapshot restore before-migration
          devenv snapshot ls --json
          devenv snapshot rm before-migration
        """,
        subcommands: [Save.self, Restore.self, List.self, Remove.self])

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "save", abstract: "Copy every service's data into snapshot NAME.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The snapshot's name.") var name: String
        @Flag(help: "Use the stack of the current git branch.") var branch = false

        func run() async throws {
            let ctx = global.context()
            let s = try await SnapshotOperation(branch: branch).save(ctx, name: name)
            ctx.output.print("Saved snapshot \(ctx.output.style(s.name, .bold)) of \(s.services.joined(separator: ", ")).")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Replace the data of the snapshot's services with the snapshot.",
            discussion: "The current data is replaced only after the whole snapshot was copied; the seed ledger goes back to the snapshot's.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The snapshot's name.") var name: String
        @Flag(help: "Use the stack of the current git branch.") var branch = false

        func run() async throws {
            let ctx = global.context()
            let s = try await SnapshotOperation(branch: branch).restore(ctx, name: name)
            ctx.output.print("Restored \(s.services.joined(separator: ", ")) from snapshot \(ctx.output.style(s.name, .bold)) (\(s.created)).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the stack's snapshots: name, services, size, date.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON: [{name, services, bytes, created, volumes, complete}].") var json = false
        @Flag(help: "Use the stack of the current git branch.") var branch = false

        func run() async throws {
            let ctx = global.context()
            let snapshots = try SnapshotOperation(branch: branch).list(ctx)
            try ctx.output.report(TableReport(snapshots, empty: "No snapshots. Take one with `devenv snapshot save NAME`."), json: json)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete snapshot NAME.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The snapshot's name.") var name: String
        @Flag(help: "Use the stack of the current git branch.") var branch = false

        func run() async throws {
            let ctx = global.context()
            let s = try await SnapshotOperation(branch: branch).remove(ctx, name: name)
            ctx.output.print("Removed snapshot \(s.name).")
        }
    }
}
