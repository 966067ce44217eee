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
/// - Where the engine's storage shares extents between volumes (XFS with reflinks, btrfs), the
///   branch's data volume is a **reflink clone** of the base (`ReflinkClone`): its own volume,
///   sharing every block with the base until it writes one. The clone is its own probe; an
///   engine found without reflinks is remembered (`EngineStorage`) and layers with OverlayFS.
/// - Else the **layer** is two empty volumes, `<branch volume>-upper` and `-work`: OverlayFS's
///   upper and work folders are their own data folders, so no container has to make them.
///   The branch's data volume is a local-driver volume of `type=overlay` over the two, by
///   their engine-side mountpoints: the engine mounts it when the branch's container starts,
///   so this works the same for a local, remote or VM engine, and needs no privilege in any
///   container. A first mount in a throwaway container is the probe: an engine whose storage
///   cannot mount OverlayFS fails there, and the branch copies instead (and `up` says why).
/// - `DEVENV_BRANCH_LAYERS=overlay` skips reflinks; `off` copies instead of layering.
enum LayeredBranch {
    /// One service's layered data.
    struct Outcome: Sendable, Equatable {
        var base: String
        /// The base existed already (taken when the parent was as it is now).
        var reused: Bool
        /// How long taking the base took (0 when reused).
        var baseSeconds: Double
        var method: LayerMethod = .overlay
        /// Why a reflink clone was tried and failed (then `method` is `.overlay`).
        var reflinkFailed: String?
        /// How long the branch's rotation took when it ran with the layer (`Job.rotation`); nil
        /// when it did not run or failed (then `up` runs it on its own, and says why it failed).
        var rotated: Double?
        /// The base was behind the parent by this many bytes, and the branch's data was brought
        /// forward (`CatchUp`), in `caughtUpSeconds` (with the rotation when it ran with it).
        var caughtUp: Int64?
        var caughtUpSeconds: Double?
    }

    /// The labels of a branch's data volume that say how its data came from which stack:
    /// `reflink`, `overlay` or `copy` (`status --json`'s `data_method`, `data_from`).
    static let methodLabel = StackVolumes.dataMethodLabel, fromLabel = StackVolumes.dataFromLabel

    static let baseOfLabel = "dev.devenv.base-of", baseStackLabel = "dev.devenv.base-stack"
    static let tokenLabel = "dev.devenv.base-token", baseLabel = StackVolumes.layerBaseLabel

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
        /// The `docker exec` of `copy.layered.current` in the parent's container (nil: never
        /// reuse) and the `docker run` of its base into `newBase`.
        var current: Command?
        var base: Command
        var newBase: String
        /// Its kind's `rotate.run` starts the server on the branch's data before anything else
        /// does (and gives the layer's root the base root's owner and mode first: `RotateCommand`).
        var rotates = false
        /// That rotation, rendered (`BranchCredentials.rendered`): run as soon as the layer is
        /// made, while the other services are still copied; for a reflink clone, in the clone's
        /// own container. Nil: `up` runs it after the copy.
        var rotation: RotateCommand.Rendered?
        /// Its kind's `copy.layered.catchup`, rendered: a base behind the parent is brought
        /// forward in the branch instead of a new base taken (`CatchUp`).
        var catchup: CatchUp.Job?
    }

    /// Makes `job.pair.to` a layered volume; on failure removes what it made (a base only if it
    /// is not complete) and throws why. `inPlace` is called once the volume shows the branch's
    /// data (before the rotation of an OverlayFS layer, which needs no more than the volume).
    /// `inPlace(rotating)`: `rotating` says the rotation runs next (`rotated` is called when it ended).
    static func make(_ ctx: DevenvContext, _ job: Job, labels: [(String, String)], taskLabels: [(String, String)],
                     rotateLabels: [(String, String)] = [], inPlace: @Sendable (Bool) async -> Void = { _ in },
                     rotated rotationEnded: @Sendable () -> Void = {}) async throws -> Outcome {
        let p = job.pair
        let made = Locked<[String]>([])
        do {
            let mine = labels + [("com.docker.compose.project", labels.first { $0.0 == "dev.devenv.stack" }?.1 ?? "")]
            let volumeLabels = mine + [("com.docker.compose.volume", p.key), (fromLabel, job.parentStack)]
            // Reflinks unless the engine is known to have none (or they are turned off): then the
            // layer's volumes are made while the parent's present is read.
            let engine = EngineStorage.identity(ctx.engine)
            let tryReflink = ctx.environment["DEVENV_BRANCH_LAYERS"] != "overlay" && engine.flatMap { EngineStorage.reflinks(ctx.paths, $0) } != false
            async let token = current(ctx, job)
            async let anchors = job.catchup == nil ? nil : CatchUp.anchors(ctx, job.catchup!)
            if !tryReflink { try await makeLayer(ctx, p, labels: mine, made: made) }
            // An OverlayFS layer names its base by the base volume's path on the engine, known once
            // that volume exists: so a new base is taken while the layered volume is made.
            let overlayLabels = volumeLabels + [(methodLabel, LayerMethod.overlay.rawValue)]
            let overlayMade = Locked(false)
            let held = await anchors
            let (base, baseSeconds, need) = try await base(ctx, job, token: try await token, anchors: held, made: made) { newBase in
                guard !tryReflink else { return }
                try await createOverlay(ctx, p, base: newBase, labels: overlayLabels, made: made)
                overlayMade.with { $0 = true }
            }
            var reflinkFailed: String?
            if tryReflink {
                let rotated = Locked<Double?>(nil)
                switch await ReflinkClone.clone(ctx, base: base, into: p.to, image: p.image, labels: volumeLabels + [(methodLabel, LayerMethod.reflink.rawValue)],
                                                taskLabels: taskLabels, engine: engine, rotation: need == nil ? job.rotation : nil, rotated: rotated) {
                case .cloned:
                    guard let need, let catchup = job.catchup else {
                        await inPlace(false)
                        await sweep(ctx, job, held)
                        return Outcome(base: base, reused: baseSeconds == 0, baseSeconds: baseSeconds, method: .reflink, rotated: rotated.value)
                    }
                    made.with { $0.append(p.to) }
                    var o = try await catchUp(ctx, job, catchup, need, layerBase: nil, rotateLabels: rotateLabels, inPlace: inPlace, rotated: rotationEnded)
                    o.method = .reflink
                    await sweep(ctx, job, held)
                    return o
                case .unsupported: break
                case .failed(let why): reflinkFailed = why
                }
                try await makeLayer(ctx, p, labels: mine, made: made)
            }
            if !overlayMade.value { try await createOverlay(ctx, p, base: base, labels: overlayLabels, made: made) }
            // The first mount is the probe (an engine whose storage cannot mount OverlayFS fails
            // here); it gives the layer's root the base root's owner and mode (OverlayFS shows
            // the upper root's, and a server checks its data folder's: Postgres wants 0700). On an
            // engine where a layered volume has mounted before, a kind whose rotation starts the
            // server first leaves both to the rotation (one container less before the branch starts).
            if !(job.rotates && engine.flatMap { EngineStorage.overlay(ctx.paths, $0) } == true) {
                try await step("mounting the layered volume \(p.to) (OverlayFS on the engine's storage)", ctx,
                               VolumeCommands.throwaway(image: p.image, mounts: ["\(base):/base:ro", "\(p.to):/data"], labels: taskLabels,
                                                        script: RotateCommand.ownerOfBase(data: "/data", base: "/base")))
                if let engine { EngineStorage.rememberOverlay(ctx.paths, engine, address: ctx.engine.address) }
            }
            if let need, let catchup = job.catchup {
                var o = try await catchUp(ctx, job, catchup, need, layerBase: base, rotateLabels: rotateLabels, inPlace: inPlace, rotated: rotationEnded)
                o.reflinkFailed = reflinkFailed
                await sweep(ctx, job, held)
                return o
            }
            await inPlace(job.rotation != nil)
            var rotated: Double?
            if var rotation = job.rotation {
                defer { rotationEnded() }
                rotation.volume = p.to
                let began = Date()
                if let r = try? await ctx.runner.capture(RotateCommand.command(rotation, labels: rotateLabels, layerBase: base)), r.succeeded {
                    rotated = Date().timeIntervalSince(began)
                }
            }
            await sweep(ctx, job, held)
            return Outcome(base: base, reused: baseSeconds == 0, baseSeconds: baseSeconds, method: .overlay, reflinkFailed: reflinkFailed, rotated: rotated)
        } catch {
            let names = made.value
            if !names.isEmpty { _ = try? await ctx.runner.capture(VolumeCommands.remove(names.reversed())) }
            throw error
        }
    }

    /// The branch's data volume: a local-driver volume of `type=overlay` of its layer on `base`.
    static func createOverlay(_ ctx: DevenvContext, _ p: BranchCopy.Pair, base: String, labels: [(String, String)], made: Locked<[String]>) async throws {
        let (upper, work) = (layerNames(p.to)[0], layerNames(p.to)[1])
        let lower = try ctx.engine.volumeMountpoint(base)
        let upperPath = try ctx.engine.volumeMountpoint(upper), workPath = try ctx.engine.volumeMountpoint(work)
        try await step("creating the layered volume \(p.to)", ctx, VolumeCommands.createOverlay(
            p.to, lower: lower, upper: upperPath, work: workPath, labels: labels + [(baseLabel, base)]))
        made.with { $0.append(p.to) }
    }

    /// The layer's two volumes (OverlayFS's upper and work folders).
    static func makeLayer(_ ctx: DevenvContext, _ p: BranchCopy.Pair, labels: [(String, String)], made: Locked<[String]>) async throws {
        for (name, role) in zip(layerNames(p.to), ["upper", "work"]) {
            try await step("creating layer volume \(name)", ctx, VolumeCommands.create(name, labels: labels + [(layerLabel, role), ("com.docker.compose.volume", "\(p.key)-\(role)")]))
            made.with { $0.append(name) }
        }
    }

    /// A complete base of the parent: one taken earlier at `token` (0 s), or one whose anchor
    /// the parent still holds (`anchors`; 0 s, and what the branch must catch up), or a new one
    /// taken live (and how long that took); `whileTaking` runs beside the taking, once the new
    /// base's volume exists.
    static func base(_ ctx: DevenvContext, _ job: Job, token: String?, anchors: [CatchUp.Anchor]? = nil, made: Locked<[String]>,
                     extraLabels: [(String, String)] = [], whileTaking: @Sendable (String) async throws -> Void = { _ in }) async throws -> (String, Double, CatchUp.Need?) {
        if let reused = try reusable(ctx, parentVolume: job.pair.from, token: token) { return (reused, 0, nil) }
        if let anchors, let need = try CatchUp.pick(ctx, parentVolume: job.pair.from, anchors: anchors) { return (need.base, 0, need) }
        let began = Date()
        var baseLabels = [(baseOfLabel, job.pair.from), (baseStackLabel, job.parentStack), ("dev.devenv.project", job.project)] + extraLabels
        if let token { baseLabels.append((tokenLabel, token)) }
        if let anchor = job.catchup?.newAnchor { baseLabels.append((CatchUp.anchorLabel, anchor)) }
        try await step("creating base volume \(job.newBase)", ctx, VolumeCommands.create(job.newBase, labels: baseLabels))
        made.with { $0.append(job.newBase) }
        async let beside: Void = whileTaking(job.newBase)
        do { try await step("taking a base of \(job.pair.from)", ctx, job.base) } catch {
            _ = try? await beside
            if let c = job.catchup { await CatchUp.release(ctx, c.release, [c.newAnchor]) }   // the base goes: its anchor with it
            throw error
        }
        try await beside
        try BaseVolumes.record(ctx.paths, name: job.newBase)
        made.with { $0.removeAll { $0 == job.newBase } }   // complete: kept for the branches to come
        return (job.newBase, max(Date().timeIntervalSince(began), 0.001), nil)
    }

    /// The branch's data (`job.pair.to`, made on `need.base`) brought forward to the parent's
    /// present, with the rotation in the same container when the job has one. A failure is the
    /// branch's (`CatchUp.Failed`: no copy instead, the branch's containers may be in creation):
    /// the base's anchor is released so that the next `up` takes a new base.
    static func catchUp(_ ctx: DevenvContext, _ job: Job, _ catchup: CatchUp.Job, _ need: CatchUp.Need, layerBase: String?,
                        rotateLabels: [(String, String)], inPlace: @Sendable (Bool) async -> Void,
                        rotated rotationEnded: @Sendable () -> Void) async throws -> Outcome {
        var rotation = job.rotation
        rotation?.volume = job.pair.to
        await inPlace(true)
        let began = Date()
        let failed = await CatchUp.run(ctx, CatchUp.command(catchup, volume: job.pair.to, rotation: rotation, layerBase: layerBase, labels: rotateLabels))
        rotationEnded()
        let seconds = Date().timeIntervalSince(began)
        if let failed, failed.hasPrefix("bringing") || rotation == nil {
            await CatchUp.release(ctx, catchup.release, [need.anchor])
            throw CatchUp.Failed(message: "bringing \(job.parentStack)'s \(job.pair.service) base forward failed (\(failed)); the next `devenv up` takes a new base")
        }
        var o = Outcome(base: need.base, reused: true, baseSeconds: 0, caughtUp: need.behind, caughtUpSeconds: seconds)
        if failed == nil, rotation != nil { o.rotated = seconds }   // else `up` runs the rotation on its own
        return o
    }

    /// Releases the anchors no base names any more (`CatchUp.sweep`).
    static func sweep(_ ctx: DevenvContext, _ job: Job, _ anchors: [CatchUp.Anchor]?) async {
        if let c = job.catchup, let anchors { await CatchUp.sweep(ctx, c, anchors: anchors) }
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
