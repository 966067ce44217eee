import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A branch's data as a writable layer on a read-only base of its parent's (`copy.layered`),
/// so that a branch costs the same whatever the parent holds.
///
/// - The **base** is a volume the kind's `copy.layered.base` fills, live, from the running
///   parent (for Postgres: `pg_basebackup`, recovered and frozen). It is never written again:
///   branches only read it. It carries the parent's `current` output from just before it was
///   taken (label `dev.devenv.base-token`), and a base whose token equals the parent's
///   `current` output now is reused: nothing is copied at all. It is complete once its record
///   (`$DEVENV_HOME/bases/NAME.json`) exists; one without a record is a base whose making was
///   cut short, used by nothing, and removed (`BaseVolumes.prune`, the copy journal).
/// - The **layer** is two empty volumes, `<branch volume>-upper` and `-work`: OverlayFS's upper
///   and work folders are their own data folders, so no container has to make them.
/// - The branch's data volume is a local-driver volume of `type=overlay` over the two, by
///   their engine-side mountpoints: the engine mounts it when the branch's container starts,
///   so this works the same for a local, remote or VM engine, and needs no privilege in any
///   container. A first mount in a throwaway container is the probe: an engine whose storage
///   cannot mount OverlayFS fails there, and the branch copies instead (and `up` says why).
enum LayeredBranch {
    /// One service's layered data.
    struct Outcome: Sendable, Equatable {
        var base: String
        /// The base existed already (taken when the parent was as it is now).
        var reused: Bool
        /// How long taking the base took (0 when reused).
        var baseSeconds: Double
    }

    static let baseOfLabel = "dev.devenv.base-of", baseStackLabel = "dev.devenv.base-stack"
    static let tokenLabel = "dev.devenv.base-token", baseLabel = "dev.devenv.base"

    static let layerLabel = "dev.devenv.layer"

    /// The volumes of a layered volume's layer: its upper folder, then its work folder.
    static func layerNames(_ volume: String) -> [String] { [volume + "-upper", volume + "-work"] }

    /// A new base's name: the parent volume's, a suffix unique enough for one parent.
    static func newBaseName(_ parentVolume: String) -> String {
        parentVolume + "-base-" + String(UInt64.random(in: 0...UInt64.max) % 0xFFFF_FFFF, radix: 16)
    }

    /// What one layered service needs, planned before anything is made.
    struct Job: Sendable {
        var pair: BranchCopy.Pair
        var parentStack: String
        var project: String
        /// The `docker run`s of `copy.layered.current` (nil: never reuse) and of its base
        /// into `newBase`.
        var current: Command?
        var base: Command
        var newBase: String
    }

    /// Makes `job.pair.to` a layered volume; on failure removes what it made (a base only if it
    /// is not complete) and throws why.
    static func make(_ ctx: DevenvContext, _ job: Job, labels: [(String, String)], taskLabels: [(String, String)]) async throws -> Outcome {
        let p = job.pair
        let made = Locked<[String]>([])
        do {
            // The layer's volumes are made while the parent's present is read.
            let (upper, work) = (layerNames(p.to)[0], layerNames(p.to)[1])
            let mine = labels + [("com.docker.compose.project", labels.first { $0.0 == "dev.devenv.stack" }?.1 ?? "")]
            async let token = current(ctx, job)
            for (name, role) in [(upper, "upper"), (work, "work")] {
                try await step("creating layer volume \(name)", ctx, VolumeCommands.create(name, labels: mine + [(layerLabel, role), ("com.docker.compose.volume", "\(p.key)-\(role)")]))
                made.with { $0.append(name) }
            }
            var base = try reusable(ctx, parentVolume: p.from, token: try await token)
            var baseSeconds = 0.0
            if base == nil {
                let began = Date()
                var baseLabels = [(baseOfLabel, p.from), (baseStackLabel, job.parentStack), ("dev.devenv.project", job.project)]
                if let token = try await token { baseLabels.append((tokenLabel, token)) }
                try await step("creating base volume \(job.newBase)", ctx, VolumeCommands.create(job.newBase, labels: baseLabels))
                made.with { $0.append(job.newBase) }
                try await step("taking a base of \(p.from)", ctx, job.base)
                try BaseVolumes.record(ctx.paths, name: job.newBase)
                made.with { $0.removeAll { $0 == job.newBase } }   // complete: kept for the branches to come
                base = job.newBase
                baseSeconds = Date().timeIntervalSince(began)
            }
            guard let base else { throw DevenvError("no base") }
            let lower = try ctx.engine.volumeMountpoint(base)
            let upperPath = try ctx.engine.volumeMountpoint(upper), workPath = try ctx.engine.volumeMountpoint(work)
            try await step("creating the layered volume \(p.to)", ctx, VolumeCommands.createOverlay(
                p.to, lower: lower, upper: upperPath, work: workPath,
                labels: mine + [(baseLabel, base), ("com.docker.compose.volume", p.key)]))
            made.with { $0.append(p.to) }
            // The first mount is the probe (an engine whose storage cannot mount OverlayFS fails
            // here); it gives the layer's root the base root's owner and mode (OverlayFS shows
            // the upper root's, and a server checks its data folder's: Postgres wants 0700).
            try await step("mounting the layered volume \(p.to) (OverlayFS on the engine's storage)", ctx,
                           VolumeCommands.throwaway(image: p.image, mounts: ["\(base):/base:ro", "\(p.to):/data"], labels: taskLabels, script:
                               "ls -A /data | grep -q . && chown \"$(stat -c %u:%g /base)\" /data && chmod \"$(stat -c %a /base)\" /data"))
            return Outcome(base: base, reused: baseSeconds == 0, baseSeconds: baseSeconds)
        } catch {
            let names = made.value
            if !names.isEmpty { _ = try? await ctx.runner.capture(VolumeCommands.remove(names.reversed())) }
            throw error
        }
    }

    /// The parent's present, as `copy.layered.current` prints it; nil when the kind has none.
    static func current(_ ctx: DevenvContext, _ job: Job) async throws -> String? {
        guard let command = job.current else { return nil }
        let r = try await ctx.runner.capture(command)
        guard r.succeeded else { throw DevenvError("copy.layered.current failed (exit \(r.status)): \(BranchCopy.lastLine(r.stderr + "\n" + r.stdout))") }
        let token = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// The newest complete base of `parentVolume` taken when the parent printed `token`.
    static func reusable(_ ctx: DevenvContext, parentVolume: String, token: String?) throws -> String? {
        guard let token else { return nil }
        return try ctx.engine.volumes(label: "\(baseOfLabel)=\(parentVolume)")
            .filter { $0.labels[tokenLabel] == token && BaseVolumes.isComplete(ctx.paths, name: $0.name) }
            .sorted { ($0.createdAt ?? "") > ($1.createdAt ?? "") }.first?.name
    }

    static func step(_ what: String, _ ctx: DevenvContext, _ command: Command) async throws {
        try await SnapshotOperation().copyStep(what, ctx, command)
    }
}

/// The bases of layered branches: complete ones have a record; a base no branch's layer
/// names is removed (`prune`): by `gc`, and by `down --volumes` (which keeps each parent's
/// newest base for the next branch, unless the stack going is that parent).
public enum BaseVolumes {
    static func folder(_ paths: DevenvPaths) -> String { paths.home + "/bases" }
    static func recordPath(_ paths: DevenvPaths, _ name: String) -> String { folder(paths) + "/" + name + ".json" }

    static func record(_ paths: DevenvPaths, name: String) throws {
        try StateFile.makeFolder(folder(paths))
        let body = "{\"volume\": \"\(name)\", \"created\": \"\(ISO8601DateFormatter().string(from: Date()))\"}\n"
        try AtomicFile.write(Data(body.utf8), to: recordPath(paths, name), newFileMode: 0o600)
    }

    static func isComplete(_ paths: DevenvPaths, name: String) -> Bool {
        FileManager.default.fileExists(atPath: recordPath(paths, name))
    }

    /// Removes the bases no volume names in its `dev.devenv.base` label, each parent's with its
    /// stack lock held (no branch of it is being made meanwhile; a parent whose lock is busy is
    /// left for later). `keepNewest`: each parent's newest complete base stays, so the next
    /// branch of a parent that has not changed reuses it; but never that of `holding`, the stack
    /// whose lock the caller holds and whose data is going (`down --volumes` of a parent).
    @discardableResult
    public static func prune(_ ctx: DevenvContext, keepNewest: Bool = false, holding: String? = nil) async throws -> [String] {
        let bases = try ctx.engine.volumes(label: LayeredBranch.baseOfLabel)
        let parents = Set(bases.compactMap { $0.labels[LayeredBranch.baseStackLabel] })
        var removed: [String] = []
        for parent in parents.sorted() {
            var lock: FileLock?
            if parent != holding {
                guard let l = try FileLock.tryAcquire(ctx.paths.stackLock(parent)) else { continue }
                lock = l
            }
            defer { lock?.unlock() }
            let used = Set(try ctx.engine.volumes(label: LayeredBranch.baseLabel).compactMap { $0.labels[LayeredBranch.baseLabel] })
            let mine = try ctx.engine.volumes(label: "\(LayeredBranch.baseStackLabel)=\(parent)")
            let newest = mine.filter { isComplete(ctx.paths, name: $0.name) }.max { ($0.createdAt ?? "") < ($1.createdAt ?? "") }?.name
            let unused = mine.map(\.name).filter { !used.contains($0) && !(keepNewest && parent != holding && $0 == newest) }.sorted()
            guard !unused.isEmpty else { continue }
            try await StackRemoval.step(ctx, VolumeCommands.remove(unused), "removing unused bases of \(parent)'s data")
            for name in unused { try? FileManager.default.removeItem(atPath: recordPath(ctx.paths, name)) }
            removed += unused
        }
        return removed
    }

    /// Removes `names` that exist and are not complete (a base whose making was cut short).
    static func discardIncomplete(_ ctx: DevenvContext, _ names: [String]) async throws {
        guard !names.isEmpty else { return }
        let present = Set(try ctx.engine.volumes(label: LayeredBranch.baseOfLabel).map(\.name))
        let cut = names.filter { present.contains($0) && !isComplete(ctx.paths, name: $0) }
        if !cut.isEmpty { try await StackRemoval.step(ctx, VolumeCommands.remove(cut), "removing an unfinished base") }
    }
}

/// The layered side of `BranchCopy`: which jobs layer, and making their volumes first.
extension BranchCopy {
    /// Gives each job whose kind has `copy.layered`, whose parent service runs and whose only
    /// volume is its data volume its layered job (else it is copied as before).
    static func attachLayered(_ ctx: DevenvContext, _ jobs: inout [CopyJob], running: [String: String], parent: String,
                              parentPlan: StackPlan, labels: [(String, String)]) {
        let layersOff = ctx.environment["DEVENV_BRANCH_LAYERS"] == "off"   // copy, as kinds without layers do
        for (i, job) in jobs.enumerated() where !layersOff {
            guard let container = running[job.service], let ps = parentPlan.service(job.service), let kind = ps.kind, let schema = kind.layered,
                  job.pairs.count == 1, let pair = job.pairs.first, pair.key == CopyPlanning.dataKey(job.service) else { continue }
            do {
                let newBase = LayeredBranch.newBaseName(pair.from)
                let current = try schema.current.map { try CopyPlanning.liveCommand($0, context: ps.context, templates: kind.templates, image: ps.image, parentContainer: container, target: nil, labels: labels) }
                let base = try CopyPlanning.liveCommand(schema.base, context: ps.context, templates: kind.templates, image: ps.image, parentContainer: container, target: newBase, labels: labels)
                jobs[i].layered = LayeredBranch.Job(pair: pair, parentStack: parent, project: parentPlan.identity.project, current: current, base: base, newBase: newBase)
            } catch {
                jobs[i].notLayered = "its copy.layered could not be rendered: \(error)"
            }
        }
    }

    /// Each layered job in turn (they share the parent's lock, and a base is taken once per
    /// parent state). A job that fails is copied instead: it leaves `jobs` with `notLayered`
    /// set; one that succeeds leaves `jobs` altogether.
    static func runLayered(_ ctx: DevenvContext, _ jobs: inout [CopyJob], identity: StackIdentity) async throws -> [ServiceCopy] {
        var out: [ServiceCopy] = []
        for (i, job) in jobs.enumerated() {
            guard let l = job.layered else { continue }
            let began = Date()
            do {
                let o = try await LayeredBranch.make(ctx, l, labels: identity.labels, taskLabels: VolumeTask.labels(identity, "branch-copy"))
                var c = ServiceCopy(service: job.service, method: .layered, seconds: Date().timeIntervalSince(began), parentUnavailable: 0)
                c.base = o.base; c.baseReused = o.reused; c.baseSeconds = o.baseSeconds
                out.append(c)
            } catch {
                jobs[i].notLayered = (error as? DevenvError)?.message ?? "\(error)"
            }
        }
        let done = Set(out.map(\.service))
        jobs.removeAll { done.contains($0.service) }
        return out
    }
}
