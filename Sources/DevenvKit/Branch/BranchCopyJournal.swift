import Foundation
import DevenvCore
import DevenvEngine
import DevenvPlan
import DevenvPlatform

/// The record that makes a branch's copy all-or-nothing across a crash. It is written (one
/// atomic file, `.devenv/stacks/<stack>/branch-copy.json`) before the first branch volume is
/// created, so while it says `copying` the branch's volumes are not the branch's data yet,
/// whatever they hold. When every copy has succeeded it says `copied` and carries the parent's
/// seed ledger for the copied services; only then are the ledger entries handed to the branch
/// (after the kinds' after-copy step) and the file removed. The next `up` finishes a `copied`
/// one and discards a `copying` one (its leftover copy containers, any container compose
/// created on its volumes, the volumes), and says which.
public struct BranchCopyJournal: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable { case copying, copied }

    public var version = 1
    public var state: State
    public var parent: String
    public var services: [String]
    /// The branch's volumes the copy creates, by Docker name.
    public var volumes: [String]
    /// The parent's ledger entries for `services`, once `copied`.
    public var seeds: [SeedLedger.Entry] = []
    /// The bases a layered copy may take (`LayeredBranch`): one that exists without its record
    /// was cut short and is removed with the rest.
    public var bases: [String]?

    public init(state: State, parent: String, services: [String], volumes: [String], seeds: [SeedLedger.Entry] = []) {
        self.state = state; self.parent = parent; self.services = services; self.volumes = volumes; self.seeds = seeds
    }

    public static func path(stateDir: String) -> String { stateDir + "/branch-copy.json" }

    /// The journal at `path`, nil when there is none. A file that cannot be read is an error:
    /// devenv cannot tell whether the branch's volumes hold a whole copy.
    public static func load(_ path: String) throws -> BranchCopyJournal? {
        guard let data = try StateFile.read(path, what: "the branch copy record") else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { return try decoder.decode(BranchCopyJournal.self, from: data) } catch {
            throw DevenvError("the branch copy record \(path) is damaged; devenv cannot tell whether this branch's data was copied whole, and changed nothing",
                              hint: "`devenv down --volumes --yes` deletes the branch's data (and the record); the next `devenv up` copies its parent again.")
        }
    }

    public func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(self), to: path, newFileMode: 0o600)
    }

    public static func remove(stateDir: String) throws {
        let p = path(stateDir: stateDir)
        if FileManager.default.fileExists(atPath: p) { try FileManager.default.removeItem(atPath: p) }
    }

    /// The last step of a branch creation, and of finishing one a crash interrupted: the
    /// parent's seed entries into the branch's ledger, then the journal goes. Each step can run
    /// again (a crash here is finished by the next `up`). The branch's own passwords are set
    /// after this, by `up` (BranchCredentials; its `rotate-pending` marker, written before the
    /// copy, makes the next `up` finish a rotation a crash cut short).
    func complete(_ ctx: DevenvContext, plan: StackPlan) async throws {
        let path = SeedLedger.path(stateDir: plan.stateDir)
        var ledger = try SeedLedger.load(path)
        for s in services { ledger.forget(service: s) }
        for e in seeds where services.contains(e.service) { ledger.record(e) }
        try ledger.save(path)
        try Self.remove(stateDir: plan.stateDir)
    }

    /// Run by `up` with the stack lock held, before it decides where the branch's data comes
    /// from: finishes or discards a copy a killed devenv left. Returns what it did, for a note.
    public static func resume(_ ctx: DevenvContext, plan: StackPlan) async throws -> String? {
        guard let journal = try load(path(stateDir: plan.stateDir)) else { return nil }
        let stack = plan.identity.stack
        let leftovers = try await VolumeTask.removeLeftovers(ctx, stack: stack)
        switch journal.state {
        case .copied:
            try await journal.complete(ctx, plan: plan)
            return "finished copying \(journal.parent)'s data into \(stack): the copy had completed when devenv was stopped"
                + (leftovers > 0 ? " (\(leftovers) leftover copy container\(leftovers == 1 ? "" : "s") removed)" : "") + parentNote(ctx, journal)
        case .copying:
            let removed = try await discard(ctx, stack: stack, volumes: journal.volumes)
            try await BaseVolumes.discardIncomplete(ctx, journal.bases ?? [])
            try remove(stateDir: plan.stateDir)
            return "discarded an unfinished copy of \(journal.parent)'s data into \(stack) (devenv was stopped during it; "
                + "\(removed) volume\(removed == 1 ? "" : "s") removed); copying again" + parentNote(ctx, journal)
        }
    }

    /// A stop-and-copy that was killed leaves the parent's services stopped: say so, with the fix.
    static func parentNote(_ ctx: DevenvContext, _ journal: BranchCopyJournal) -> String {
        let stopped = ((try? ctx.engine.containers(project: journal.parent)) ?? [])
            .filter { $0.state != .running && journal.services.contains($0.service ?? "") }.compactMap(\.service).sorted()
        guard !stopped.isEmpty else { return "" }
        return "; \(journal.parent)'s \(stopped.joined(separator: ", ")) \(stopped.count == 1 ? "was" : "were") stopped for the copy and \(stopped.count == 1 ? "is" : "are") still stopped: "
            + "`devenv up` in its folder starts \(stopped.count == 1 ? "it" : "them") again"
    }

    /// Removes the branch's containers in any state (a `created` one holds its volumes) and
    /// the volumes the copy made; leftover copy containers must be gone first. Returns how
    /// many volumes there were (a kill before the first was made leaves none).
    @discardableResult
    static func discard(_ ctx: DevenvContext, stack: String, volumes: [String]) async throws -> Int {
        let label = "dev.devenv.stack=\(stack)"
        try await StackRemoval.removeContainers(ctx, try ctx.engine.containers(label: label).map(\.id), label: label, "removing the containers of \(stack)")
        let present = Set(try ctx.engine.volumes(label: "dev.devenv.stack=\(stack)").map(\.name))
        let names = volumes.filter(present.contains)
        if !names.isEmpty { try await StackRemoval.step(ctx, VolumeCommands.remove(names), "removing the unfinished copy's volumes of \(stack)") }
        return names.count
    }
}

/// What `down --volumes` removes after compose: the stack's data volumes compose did not
/// (a branch copy's volumes that a killed devenv left, whatever their keys), never its
/// snapshots, and the branch copy journal (the data it speaks of is gone); then, unless
/// `pruneBases` is false (`down --all` prunes once, after every stack), the bases of layered
/// branches that no branch uses any more (each parent's newest stays for the next branch, but
/// not this stack's own).
public enum BranchVolumes {
    public static func removeRest(_ ctx: DevenvContext, stack: String, stateDir: String?, pruneBases: Bool = true) async throws {
        let rest = try ctx.engine.volumes(label: "dev.devenv.stack=\(stack)")
            .filter { $0.labels["dev.devenv.snapshot"] == nil && $0.labels["com.docker.compose.project"] == stack }.map(\.name).sorted()
        if !rest.isEmpty { try await StackRemoval.step(ctx, VolumeCommands.remove(rest), "removing the volumes of \(stack)") }
        if let stateDir { try BranchCopyJournal.remove(stateDir: stateDir) }
        if pruneBases { try await BaseVolumes.prune(ctx, keepNewest: true, holding: stack) }   // bases no branch is on
    }
}
