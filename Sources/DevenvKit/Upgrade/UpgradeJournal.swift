import Foundation
import DevenvCore
import DevenvEngine
import DevenvPlan
import DevenvPlatform

/// An upgrade in progress, `<stateDir>/upgrade.json`: written before the new volume is made,
/// removed after the swap. Until the swap (one atomic write of `VolumeGenerations`) the old
/// volume is the service's data and is only read, so a killed upgrade is rolled back by the
/// next command that takes the stack's lock (`up`, `upgrade`): the leftover containers and the
/// new volume are removed, and `devenv upgrade SERVICE` can run again.
public struct UpgradeJournal: Codable, Sendable, Equatable {
    public var service: String
    public var key: String
    /// The volume the data is read from, and the new generation it is written to.
    public var from: String
    public var to: String
    public var fromVersion: String
    public var toVersion: String

    public static func path(stateDir: String) -> String { stateDir + "/upgrade.json" }

    public static func load(stateDir: String) throws -> UpgradeJournal? {
        let file = path(stateDir: stateDir)
        guard let data = try StateFile.read(file, what: "the record of an upgrade in progress") else { return nil }
        guard let j = try? JSONDecoder().decode(UpgradeJournal.self, from: data) else {
            throw DevenvError("the record of an upgrade in progress \(file) is damaged; devenv changed nothing",
                              hint: "The service's data is in the volume `.devenv` names in volumes.json (or <stack>_<service>-data). "
                                  + "Remove the half-made <stack>_<service>-data--gN volume the upgrade started (`docker volume ls`), then move the record aside (`mv \(file) \(file).bad`).")
        }
        return j
    }

    public func save(stateDir: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try StateFile.makePrivateFolder(stateDir)
        try AtomicFile.write(try encoder.encode(self), to: Self.path(stateDir: stateDir), newFileMode: 0o600)
    }

    public static func clear(stateDir: String) throws {
        let file = path(stateDir: stateDir)
        if unlink(file) != 0 && errno != ENOENT { throw DevenvError("cannot remove \(file): \(String(cString: strerror(errno)))") }
    }

    /// Rolls back what a killed upgrade left (under the stack's lock); a note for the user, nil
    /// when there was nothing to do. After the swap there is nothing to undo: the record goes.
    public static func resume(_ ctx: DevenvContext, project: Project, plan: StackPlan) async throws -> String? {
        guard let j = try load(stateDir: plan.stateDir) else { return nil }
        try await VolumeTask.removeLeftovers(ctx, stack: plan.identity.stack)
        _ = try? await ctx.runner.capture(Command("docker", ["rm", "--force", UpgradeCommands.fromContainer(stack: plan.identity.stack, service: j.service)]))
        if try VolumeGenerations.load(stateDir: plan.stateDir).volumes[j.key]?.current == j.to {
            try clear(stateDir: plan.stateDir)
            return nil
        }
        try await undo(ctx, project: project, plan: plan, journal: j)
        return "an interrupted upgrade of \(j.service) was rolled back: its data is the \(j.fromVersion) data in \(j.from), as before; `devenv upgrade \(j.service)` runs it again"
    }

    /// Removes the new server's container and the new volume, then the record.
    static func undo(_ ctx: DevenvContext, project: Project, plan: StackPlan, journal j: UpgradeJournal) async throws {
        do { try await ctx.runner.check(Compose.remove(project.composeProject, services: [j.service])) }
        catch let f as CommandFailure { throw Compose.explain(f) }
        let r = try await ctx.runner.capture(VolumeCommands.remove([j.to]))
        guard r.succeeded || r.stderr.lowercased().contains("no such volume") else {
            throw DevenvError("cannot remove \(j.to), the half-made volume of an interrupted upgrade of \(j.service) (exit \(r.status))",
                              hint: "See `docker volume ls` and `docker ps -a`; run the command again once nothing uses it.",
                              details: r.stderr.split(separator: "\n").suffix(5).map { "  | " + $0 })
        }
        try ComposeFile.write(plan)   // the compose file names the old volume again
        try clear(stateDir: plan.stateDir)
    }
}
