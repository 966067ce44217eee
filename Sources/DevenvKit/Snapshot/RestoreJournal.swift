import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A restore in progress, `<stateDir>/restore.json`: written before the first volume is
/// touched and moved to `swapping` once every snapshot is staged inside its target volume.
/// The next command that takes the stack's lock (`up`, `snapshot …`, `reset`) finishes what a
/// killed restore left:
/// - `staging`: the current data was not touched yet; the staged copies are removed (rolled back).
/// - `swapping`: every copy is complete; the swap is run again (it is idempotent) and the
///   snapshot's seed ledger applied (rolled forward).
/// Either way the stack's data is whole — the old data or the snapshot's, never a mix.
public struct RestoreJournal: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable { case staging, swapping }

    public struct Target: Codable, Sendable, Equatable {
        public var service: String
        public var volume: String
        public var image: String
    }

    public var snapshot: String
    public var phase: Phase
    public var targets: [Target]

    public static func path(stateDir: String) -> String { stateDir + "/restore.json" }

    public static func load(stateDir: String) throws -> RestoreJournal? {
        let file = path(stateDir: stateDir)
        guard let data = try StateFile.read(file, what: "the record of a restore in progress") else { return nil }
        guard let journal = try? JSONDecoder().decode(RestoreJournal.self, from: data) else {
            throw DevenvError("the record of a restore in progress \(file) is damaged; devenv changed nothing",
                              hint: "Check the data (`devenv compose ps`, `devenv logs`); `devenv snapshot restore NAME` again replaces it whole. "
                                  + "Then move the record aside (`mv \(file) \(file).bad`).")
        }
        return journal
    }

    public func save(stateDir: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: Self.path(stateDir: stateDir), newFileMode: 0o600)
    }

    public static func clear(stateDir: String) throws {
        let file = path(stateDir: stateDir)
        if unlink(file) != 0 && errno != ENOENT {
            throw DevenvError("cannot remove \(file): \(String(cString: strerror(errno)))")
        }
    }

    /// Finishes or rolls back a restore a killed devenv left (under the stack's lock). Returns
    /// a note for the user, nil when there was nothing to do.
    public static func resume(_ ctx: DevenvContext, plan: StackPlan) async throws -> String? {
        guard let journal = try load(stateDir: plan.stateDir) else { return nil }
        let stack = plan.identity.stack
        try await VolumeTask.removeLeftovers(ctx, stack: stack)
        let labels = VolumeTask.labels(plan.identity, "restore")
        switch journal.phase {
        case .staging:
            for t in journal.targets {
                _ = try await ctx.runner.capture(VolumeCommands.unstage(in: t.volume, image: t.image, labels: labels))
            }
            try clear(stateDir: plan.stateDir)
            return "an interrupted restore of snapshot '\(journal.snapshot)' was rolled back: the data of \(journal.targets.map(\.service).joined(separator: ", ")) is as it was"
        case .swapping:
            for t in journal.targets {
                let r = try await ctx.runner.capture(VolumeCommands.swapStaged(in: t.volume, image: t.image, labels: labels))
                guard r.succeeded else {
                    throw DevenvError("cannot finish the interrupted restore of snapshot '\(journal.snapshot)' into \(t.volume) (exit \(r.status))",
                                      hint: "Run the command again; if it fails again, `devenv snapshot restore \(journal.snapshot)` restores it whole.",
                                      details: (r.stderr + r.stdout).split(separator: "\n").suffix(6).map { "  | " + $0 })
                }
            }
            try applyLedger(plan: plan, snapshot: journal.snapshot, services: journal.targets.map(\.service))
            try clear(stateDir: plan.stateDir)
            return "finished the interrupted restore of snapshot '\(journal.snapshot)' (\(journal.targets.map(\.service).joined(separator: ", ")))"
        }
    }

    /// The snapshot's seed ledger replaces the services' entries in the stack's ledger.
    static func applyLedger(plan: StackPlan, snapshot: String, services: [String]) throws {
        let ledgerPath = SeedLedger.path(stateDir: plan.stateDir)
        var ledger = try SeedLedger.load(ledgerPath)
        let saved = try SnapshotRecord.load(stateDir: plan.stateDir, name: snapshot)?.seeds
            ?? KeptVolumes.snapshot(named: snapshot, stateDir: plan.stateDir)?.seeds ?? []
        for s in Set(services) { ledger.forget(service: s) }
        for e in saved where services.contains(e.service) { ledger.record(e) }
        try ledger.save(ledgerPath)
    }
}
