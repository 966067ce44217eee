import CurrentPlatform
import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv snapshot save | restore | ls | rm`. The same for every kind: the services are
/// stopped while their volumes are copied (consistent data), each volume is copied by a
/// throwaway container of the service's own image (`VolumeCommands`), and the services are
/// started again and waited for.
public struct SnapshotOperation {
    public var branch = false
    public var timeout: TimeInterval = 120

    public init(branch: Bool = false) { self.branch = branch }

    /// Copies every data volume of the stack into snapshot `name`. The snapshot's record is
    /// written last: a save cut short leaves an incomplete snapshot, which the next save removes
    /// (as it removes every incomplete snapshot of the stack) and no restore accepts.
    /// `leaveStopped`: services not started again after a successful copy (`devenv upgrade`
    /// replaces its service's container right after).
    public func save(_ ctx: DevenvContext, name: String, leaveStopped: Set<String> = []) async throws -> Snapshot {
        try Snapshot.validate(name)
        return try await locked(ctx) { project, plan in
            let stack = plan.identity.stack
            let removed = try await removeIncomplete(ctx, plan: plan)
            if !removed.isEmpty { ctx.output.error("note: removed incomplete snapshot\(removed.count == 1 ? "" : "s") \(removed.joined(separator: ", ")) (an interrupted save)") }
            let kept = try KeptVolumes.snapshot(named: name, stateDir: plan.stateDir) != nil   // an upgrade's, the old volume it keeps
            let copied = !(try ctx.engine.volumes(label: "\(Snapshot.label)=\(name)").filter { $0.labels["dev.devenv.stack"] == stack }).isEmpty
            if kept || copied {
                throw DevenvError.usage("stack '\(stack)' already has a snapshot '\(name)'",
                                        hint: "Pick another name, or remove it first with `devenv snapshot rm \(name)`.")
            }
            let records = plan.stateDir + "/snapshots"
            try FileManager.default.createDirectory(atPath: records, withIntermediateDirectories: true)
            if let other = Snapshot.caseClash(name, existing: try Snapshot.list(ctx.engine, stack: stack, sizes: false).map(\.name),
                                              caseSensitive: Machine.platform.isCaseSensitive(records)) {
                throw DevenvError.usage("stack '\(stack)' already has a snapshot '\(other)', and on this disk '\(name)' and '\(other)' are one file name",
                                        hint: "Pick a name that differs by more than case, or remove '\(other)' first with `devenv snapshot rm \(other)`.")
            }
            let targets = StackVolumes.present(plan, services: plan.services, existing: try StackVolumes.existing(ctx.engine, stack: stack))
            guard !targets.isEmpty else {
                throw DevenvError("stack '\(stack)' has no data yet", hint: "Start it with `devenv up`, then take the snapshot.")
            }
            let versions = try await DataVersion.versions(ctx, plan: plan, targets: targets)
            let running = try runningServices(ctx, stack: stack, among: targets.map(\.service.name))
            let created = ISO8601DateFormatter().string(from: ctx.now())
            try await ServiceRestart.stop(ctx, project: project, running)
            var made: [String] = []
            let services = Array(Set(targets.map(\.service.name))).sorted()
            do {
                for t in targets {
                    let volume = Snapshot.volumeName(stack: stack, snapshot: name, service: t.service.name, key: t.key)
                    let labels = Snapshot.labels(identity: plan.identity, snapshot: name, service: t.service.name, key: t.key, image: t.service.image, created: created)
                    try await ctx.runner.check(VolumeCommands.create(volume, labels: labels))
                    made.append(volume)
                    try await copyStep("copying \(t.volume) into the snapshot", ctx,
                                       VolumeCommands.copy(from: t.volume, to: volume, image: t.service.image, labels: VolumeTask.labels(plan.identity, "snapshot")))
                }
                let ledger = try SeedLedger.load(SeedLedger.path(stateDir: plan.stateDir))
                try SnapshotRecord(seeds: ledger.seeds.filter { services.contains($0.service) }, volumes: made.sorted(), services: services, created: created,
                                   versions: versions.isEmpty ? nil : versions)
                    .save(stateDir: plan.stateDir, name: name)
            } catch {
                if !made.isEmpty { _ = try? await ctx.runner.capture(VolumeCommands.remove(made)) }
                try? await ServiceRestart.start(ctx, project: project, plan: plan, running, timeout: timeout)
                throw error
            }
            try await ServiceRestart.start(ctx, project: project, plan: plan, running.filter { !leaveStopped.contains($0) }, timeout: timeout)
            return Snapshot(name: name, services: services, bytes: nil, created: created, volumes: made)
        }
    }

    /// Replaces the data of every service in snapshot `name` with the snapshot's. Each
    /// snapshot is first copied into its volume's staging folder; only when every copy
    /// succeeded are the volumes swapped (renames) — a failed copy leaves the data as it was,
    /// and a killed restore is rolled back or finished by the next command (`RestoreJournal`).
    public func restore(_ ctx: DevenvContext, name: String) async throws -> Snapshot {
        try await locked(ctx) { project, plan in
            let stack = plan.identity.stack
            let (record, sources, created) = try restoreSources(ctx, plan: plan, name: name)
            var pairs: [(snapshot: String, target: String, service: PlannedService)] = []
            for v in sources {
                guard let s = plan.service(v.service) else {
                    ctx.output.error("note: snapshot volume \(v.volume) belongs to no service of devenv.yml now; skipped")
                    continue
                }
                pairs.append((v.volume, StackVolumes.name(plan, key: v.key), s))
            }
            let services = Array(Set(pairs.map(\.service.name))).sorted()
            try DataVersion.checkRestore(record, snapshot: name, plan: plan, services: services, branch: branch)
            let existing = try StackVolumes.existing(ctx.engine, stack: stack)
            let missing = services.filter { svc in pairs.contains { $0.service.name == svc && existing[$0.target] == nil } }
            if !missing.isEmpty {
                do { try await ctx.runner.check(Compose.create(project.composeProject, services: missing)) }
                catch let f as CommandFailure { throw Compose.explain(f) }
            }
            let running = try runningServices(ctx, stack: stack, among: services)
            try await ServiceRestart.stop(ctx, project: project, running)
            let labels = VolumeTask.labels(plan.identity, "restore")
            var journal = RestoreJournal(snapshot: name, phase: .staging,
                                         targets: pairs.map { .init(service: $0.service.name, volume: $0.target, image: $0.service.image) })
            try journal.save(stateDir: plan.stateDir)
            do {
                for p in pairs {
                    try await copyStep("copying snapshot \(p.snapshot) for \(p.service.name)", ctx,
                                       VolumeCommands.stage(from: p.snapshot, into: p.target, image: p.service.image, labels: labels))
                }
            } catch {
                for p in pairs { _ = try? await ctx.runner.capture(VolumeCommands.unstage(in: p.target, image: p.service.image, labels: labels)) }
                try? RestoreJournal.clear(stateDir: plan.stateDir)
                try? await ServiceRestart.start(ctx, project: project, plan: plan, running, timeout: timeout)
                throw DevenvError("restoring snapshot '\(name)' failed; the current data is unchanged", hint: "\(error)")
            }
            journal.phase = .swapping
            try journal.save(stateDir: plan.stateDir)
            for p in pairs {
                try await copyStep("replacing the data of \(p.service.name)", ctx, VolumeCommands.swapStaged(in: p.target, image: p.service.image, labels: labels))
            }
            try RestoreJournal.applyLedger(plan: plan, snapshot: name, services: services)
            try RestoreJournal.clear(stateDir: plan.stateDir)
            try await ServiceRestart.start(ctx, project: project, plan: plan, running, timeout: timeout)
            return Snapshot(name: name, services: services, bytes: nil, created: created, volumes: sources.map(\.volume))
        }
    }

    /// What snapshot `name` restores from: its record, and each volume with the service and
    /// volume key it belongs to; a copied snapshot (labelled volumes) or the old volume an
    /// upgrade keeps (`KeptSnapshot`). An incomplete snapshot is an error.
    func restoreSources(_ ctx: DevenvContext, plan: StackPlan, name: String) throws
        -> (record: SnapshotRecord, volumes: [(volume: String, service: String, key: String)], created: String) {
        let stack = plan.identity.stack
        if try ctx.engine.volumes(label: "\(Snapshot.label)=\(name)").filter({ $0.labels["dev.devenv.stack"] == stack }).isEmpty,
           let kept = try KeptVolumes.snapshot(named: name, stateDir: plan.stateDir) {
            guard try StackVolumes.existing(ctx.engine, stack: stack)[kept.volume] != nil else {
                throw DevenvError("snapshot '\(name)' is the \(kept.version ?? "old") data \(kept.service)'s upgrade kept in \(kept.volume), and that volume is gone; the current data is unchanged",
                                  hint: "`devenv upgrade \(kept.service)\(branch ? " --branch" : "") --finish` forgets it.")
            }
            return (kept.record, [(kept.volume, kept.service, kept.key)], kept.created ?? "")
        }
        let snaps = try Snapshot.volumes(ctx.engine, stack: stack, name: name)
        guard let record = try SnapshotRecord.load(stateDir: plan.stateDir, name: name), record.isComplete(present: snaps.map(\.name)) else {
            throw DevenvError("snapshot '\(name)' is incomplete (its save was interrupted), so it cannot be restored; the current data is unchanged",
                              hint: "Remove it with `devenv snapshot rm \(name)` (the next `devenv snapshot save` also removes it) and take a new one.")
        }
        var out: [(volume: String, service: String, key: String)] = []
        for v in snaps {
            guard let svc = v.labels[Snapshot.serviceLabel], let key = v.labels[Snapshot.volumeLabel] else {
                ctx.output.error("note: snapshot volume \(v.name) belongs to no service of devenv.yml now; skipped")
                continue
            }
            out.append((v.name, svc, key))
        }
        return (record, out, snaps.first?.labels[Snapshot.createdLabel] ?? "")
    }

    /// Every snapshot of the stack, with sizes, each marked complete or not.
    public func list(_ ctx: DevenvContext) throws -> [Snapshot] {
        let project = try Project.load(ctx, branch: branch)
        try ctx.engine.ping()
        let stateDir = StackPlanner.stateDir(root: project.manifest.root, stack: project.identity.stack)
        return try Snapshot.list(ctx.engine, stack: project.identity.stack, sizes: true, stateDir: stateDir)
    }

    /// Deletes snapshot `name` (its volumes and record), complete or not.
    public func remove(_ ctx: DevenvContext, name: String) async throws -> Snapshot {
        try await locked(ctx) { _, plan in
            try await VolumeTask.removeLeftovers(ctx, stack: plan.identity.stack)
            if try ctx.engine.volumes(label: "\(Snapshot.label)=\(name)").filter({ $0.labels["dev.devenv.stack"] == plan.identity.stack }).isEmpty,
               let kept = try KeptVolumes.snapshot(named: name, stateDir: plan.stateDir) {
                // The old volume an upgrade keeps: deleting it is what `upgrade --finish` does.
                try await KeptVolumes.remove(ctx, stateDir: plan.stateDir, key: kept.key, expected: kept.volume)
                ctx.output.error("note: snapshot \(name) was the \(kept.version ?? "old") data \(kept.service)'s upgrade kept (\(kept.volume)); "
                                 + "it is deleted, so `devenv upgrade \(kept.service) --rollback` has nothing to go back to")
                return Snapshot(name: name, services: [kept.service], bytes: nil, created: kept.created ?? "", volumes: [kept.volume], upgrade: kept.service)
            }
            let vols = try Snapshot.volumes(ctx.engine, stack: plan.identity.stack, name: name)
            try await ctx.runner.check(VolumeCommands.remove(vols.map(\.name)))
            try removeRecord(plan: plan, name: name)
            return Snapshot(name: name, services: Array(Set(vols.compactMap { $0.labels[Snapshot.serviceLabel] })).sorted(), bytes: nil,
                            created: vols.first?.labels[Snapshot.createdLabel] ?? "", volumes: vols.map(\.name))
        }
    }

    /// Removes every incomplete snapshot of the stack (after the leftover copy containers of a
    /// killed save); returns their names.
    func removeIncomplete(_ ctx: DevenvContext, plan: StackPlan) async throws -> [String] {
        let incomplete = try Snapshot.list(ctx.engine, stack: plan.identity.stack, sizes: false, stateDir: plan.stateDir).filter { !$0.complete && $0.upgrade == nil }
        guard !incomplete.isEmpty else { return [] }
        try await VolumeTask.removeLeftovers(ctx, stack: plan.identity.stack)
        for s in incomplete {
            try await ctx.runner.check(VolumeCommands.remove(s.volumes))
            try removeRecord(plan: plan, name: s.name)
        }
        return incomplete.map(\.name)
    }

    func removeRecord(plan: StackPlan, name: String) throws {
        let file = SnapshotRecord.path(stateDir: plan.stateDir, name: name)
        if unlink(file) != 0 && errno != ENOENT { throw DevenvError("cannot remove \(file): \(String(cString: strerror(errno)))") }
    }

    // MARK: -

    /// In a session on the stack, claimed, with a killed restore finished or rolled back: `body`.
    func locked<T>(_ ctx: DevenvContext, _ body: (Project, StackPlan) async throws -> T) async throws -> T {
        try await StackSession.with(ctx, branch: branch) { session in
            let plan = try ComposeFile.ensure(session)
            if let note = try await RestoreJournal.resume(ctx, plan: plan) { ctx.output.error("note: " + note) }
            return try await body(session.project, plan)
        }
    }

    func runningServices(_ ctx: DevenvContext, stack: String, among names: [String]) throws -> [String] {
        let containers = try ctx.engine.containers(project: stack)
        return Array(Set(names)).sorted().filter { n in containers.contains { $0.service == n && $0.state == .running } }
    }

    func copyStep(_ what: String, _ ctx: DevenvContext, _ command: Command) async throws {
        let r = try await ctx.runner.capture(command)
        guard r.succeeded else {
            throw DevenvError("\(what) failed (exit \(r.status))",
                              details: (r.stderr + r.stdout).split(separator: "\n").suffix(8).map { "  | " + $0 })
        }
    }
}
