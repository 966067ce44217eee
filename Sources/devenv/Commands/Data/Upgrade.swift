import ArgumentParser
import Foundation
import DevenvKit
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

struct Upgrade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Move a service's data to the major version devenv.yml now names.",
        discussion: """
        After `version: "15"` became "17" in devenv.yml, `devenv up` stops and names this \
        command. It starts the new version on a new volume, copies the data from the old version \
        the way the service's kind declares, checks that the databases, roles and row counts \
        match, and only then switches the service to the new volume. The old volume, which it only \
        reads, is kept until --finish (or gc) and is the upgrade's snapshot: `devenv snapshot ls` \
        lists it as upgrade-SERVICE-15-to-17. --rollback switches back to it.

        Examples:
          devenv upgrade postgres
          devenv upgrade postgres --yes --json
          devenv upgrade postgres --rollback    # back to the old data
          devenv upgrade postgres --finish      # delete the old data
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The service to upgrade.") var service: String
    @Flag(name: [.short, .long], help: "Do not ask.") var yes = false
    @Flag(help: "Point the service at its data from before the upgrade again, and delete the upgraded volume.") var rollback = false
    @Flag(help: "Delete the data kept from before the upgrade.") var finish = false
    @Option(help: "Seconds to wait for each server to answer.") var timeout: Double = 120
    @Flag(help: "Use the stack of the current git branch.") var branch = false
    @Flag(help: "Print JSON: {service, action, from, to, volume, previous, snapshot, databases, seconds, unavailable, message}.") var json = false

    func validate() throws {
        if rollback && finish { throw ValidationError("--rollback and --finish are two different ends of an upgrade; pick one.") }
    }

    func run() async throws {
        let ctx = global.context()
        var op = UpgradeOperation(service: service)
        op.action = rollback ? .rollback : finish ? .finish : .upgrade
        op.yes = yes
        op.branch = branch
        op.timeout = timeout
        op.progress = !json
        guard let outcome = try await op.run(ctx) else { return }
        if json { try ctx.output.json(outcome); return }
        if !outcome.databases.isEmpty {
            let rows = outcome.databases.reduce(0) { $0 + $1.rows }
            ctx.output.print("\(outcome.databases.count) database\(outcome.databases.count == 1 ? "" : "s"), \(rows) rows in "
                             + String(format: "%.1f s; %@ was unavailable for %.1f s.", outcome.seconds, service, outcome.unavailable))
        }
        ctx.output.print(outcome.message)
    }
}
