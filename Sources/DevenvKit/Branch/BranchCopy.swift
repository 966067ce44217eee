import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Copies a parent stack's volumes into a new branch stack, every service at once, each the
/// way its kind and state allow (`CopyMethod`): a live copy while the parent keeps serving
/// (the kind's `copy.live`), else stop the parent's service, copy its volumes with a
/// throwaway container of its image (`VolumeCommands.copy`, one `cp -a` pass, reflinks where
/// the storage has them), and start it again; a parent service that is not running is copied
/// as it is. A live copy that fails falls back to stop-and-copy. The branch takes the parent's
/// seed ledger for the services it copied, so their seeds are not applied again. Nothing else
/// of the parent changes.
public enum BranchCopy {
    /// How one service was copied and what it cost the parent.
    public struct ServiceCopy: Sendable, Equatable {
        public var service: String
        public var method: CopyMethod
        /// How long its copy took.
        public var seconds: Double
        /// How long the parent's service did not answer: 0 for a live copy or an idle parent;
        /// for a stopped one, from its stop until it answered its probe again.
        public var parentUnavailable: Double
        /// Why it was stopped although it runs: its kind has no live copy (nil), or the reason.
        public var why: String?
        /// The live copy was tried and failed (then `method` is `.stopped`).
        public var liveFailed = false
        /// `layered`: the base the branch's layer is on, whether it was there already, and
        /// how long taking it took.
        public var base: String?
        public var baseReused = false
        public var baseSeconds = 0.0
        /// `layered`: how the branch's volume stands on the base (a reflink clone, or OverlayFS),
        /// and why a reflink clone that was tried failed.
        public var layer: LayerMethod?
        public var reflinkFailed: String?
        /// Why a service whose kind layers was copied instead (the engine's storage cannot
        /// mount OverlayFS, or a step failed).
        public var notLayered: String?
        /// `layered`: the branch's own passwords were set in its data right after its layer was
        /// made (for a reflink clone, in the clone's container), in this many seconds.
        public var rotated: Double?
        /// `layered`: the base was behind the parent by this many bytes (what the parent had
        /// written since it was taken) and the branch's data was brought forward to the parent's
        /// present (`CatchUp`), in `caughtUpSeconds` (with its rotation, when `rotated` is set).
        public var caughtUp: Int64?
        public var caughtUpSeconds: Double?

        public init(service: String, method: CopyMethod, seconds: Double, parentUnavailable: Double, why: String? = nil, liveFailed: Bool = false) {
            self.service = service; self.method = method; self.seconds = seconds
            self.parentUnavailable = parentUnavailable; self.why = why; self.liveFailed = liveFailed
        }
    }

    public struct Outcome: Sendable {
        /// The services whose data was copied.
        public var services: [String]
        public var seconds: Double
        /// Per service, in `services` order.
        public var copies: [ServiceCopy]

        public init(services: [String], seconds: Double, copies: [ServiceCopy]) {
            self.services = services; self.seconds = seconds; self.copies = copies
        }

        /// The parent's services that were stopped for the copy (and started again).
        public var stoppedParent: [String] { copies.filter { $0.method == .stopped }.map(\.service) }
        /// The longest any parent service did not answer.
        public var parentDowntime: Double { copies.map(\.parentUnavailable).max() ?? 0 }
    }

    /// One volume to copy: the branch's service, its compose key, the parent's volume, the branch's.
    struct Pair: Sendable, Equatable { var service: String; var key: String; var image: String; var from: String; var to: String }

    /// The volumes the branch and its parent have in common, by compose volume key (pure).
    static func pairs(_ plan: StackPlan, parent: String, parentVolumes: Set<String>, parentNames: [String: String] = [:]) -> [Pair] {
        plan.services.flatMap { s in
            StackVolumes.keys(s, root: plan.manifest.root).compactMap { key -> Pair? in
                let from = parentNames[key] ?? StackVolumes.name(stack: parent, key: key)   // an upgraded parent: its generation
                guard parentVolumes.contains(from) else { return nil }
                return Pair(service: s.name, key: key, image: s.image, from: from, to: StackVolumes.name(plan, key: key))
            }
        }
    }

    /// Runs with the branch's stack lock held; takes the parent's for the copy. Nil when the
    /// parent holds none of the branch's volumes. `inPlace` is called once, with the copied
    /// services, as soon as every one of their volumes shows its data (a layered service's
    /// rotation may still run): `up` creates the branch's containers then. `settle` waits for
    /// what `inPlace` started, before a failed copy removes the branch's containers.
    public static func run(_ ctx: DevenvContext, project: Project, plan: StackPlan, parent: BranchStart.Parent,
                           timeout: TimeInterval, inPlace: @escaping @Sendable ([String]) -> Void = { _ in },
                           settle: @Sendable () async -> Void = {}) async throws -> Outcome? {
        let parentNames = try VolumeGenerations.load(stateDir: StackPlanner.stateDir(root: plan.manifest.root, stack: parent.stack)).names
        let pairs = pairs(plan, parent: parent.stack, parentVolumes: parent.volumes, parentNames: parentNames)
        guard !pairs.isEmpty else { return nil }
        let began = Date()
        var services: [String] = []
        for p in pairs where !services.contains(p.service) { services.append(p.service) }

        // The parent's lock (a stack the registry names), for as long as its data is read.
        return try await StackLock.with(ctx, stack: parent.stack) {
            let (parentProject, parentPlan) = try parentStack(ctx, parent)
            var jobs = try planJobs(ctx, pairs: pairs, services: services, parent: parent.stack, parentPlan: parentPlan,
                                    labels: VolumeTask.labels(plan.identity, "branch-copy"))
            // A layered service's rotation runs with its layer (`LayeredBranch.Job.rotation`).
            for (i, job) in jobs.enumerated() where job.layered?.rotates == true {
                jobs[i].layered?.rotation = try? BranchCredentials.rendered(ctx, plan: plan, parent: parent.stack, service: job.service)
            }
            let arrivals = Arrivals(services, whenAll: inPlace)
            let parentLedger = try SeedLedger.load(SeedLedger.path(stateDir: parentPlan.stateDir))
            let restarter = ParentRestarter(ctx: ctx, project: parentProject, plan: parentPlan, timeout: timeout)

            // The branch's volumes, labelled the way compose labels its own so that its `up` adopts
            // them (and `down --volumes` removes them). On any failure they go again (and any
            // container of the branch): a half-made branch must not look like one that has data. The
            // journal first: from here until it says `copied`, a crash (kill -9) leaves volumes that
            // the next `up` discards (`BranchCopyJournal.resume`), never a branch that seems to have data.
            let journalPath = BranchCopyJournal.path(stateDir: plan.stateDir)
            let layeredJobs = jobs.compactMap(\.layered)
            var journal = BranchCopyJournal(state: .copying, parent: parent.stack, services: services,
                                            volumes: pairs.map(\.to) + layeredJobs.flatMap { LayeredBranch.layerNames($0.pair.to) })
            if !layeredJobs.isEmpty { journal.bases = layeredJobs.map(\.newBase) }
            try journal.save(journalPath)
            let result: [ServiceCopy]
            do {
                // Layered services and the others at once (a layer does not wait for a live copy of
                // Redis, nor that for a base); a layered service whose layer could not be made is
                // then copied as the others were. The branch's containers are created by `up`
                // while the copied data takes the branch's passwords (`createContainers`).
                let layeredJobs = jobs.filter { $0.layered != nil }
                let others = jobs.filter { $0.layered == nil }
                let copyLabels = plan.identity.labels + [(LayeredBranch.methodLabel, "copy"), (LayeredBranch.fromLabel, parent.stack)]
                let taskLabels = VolumeTask.labels(plan.identity, "branch-copy")
                let identity = plan.identity
                async let layering = layer(ctx, layeredJobs, identity: identity, arrivals: arrivals)
                var copied = try await copy(ctx, others, pairs: pairs, stack: identity.stack, volumeLabels: copyLabels,
                                            restarter: restarter, labels: taskLabels)
                arrivals.arrived(others.map(\.service))
                let (layered, fallback) = try await layering
                if !fallback.isEmpty {
                    copied += try await copy(ctx, fallback, pairs: pairs, stack: identity.stack, volumeLabels: copyLabels,
                                             restarter: restarter, labels: taskLabels)
                    arrivals.arrived(fallback.map(\.service))
                }
                for (i, c) in copied.enumerated() { copied[i].notLayered = fallback.first { $0.service == c.service }?.notLayered }
                copied += layered
                result = copied
            } catch {
                if arrivals.fired { await settle() }   // the branch's containers being created, done first
                _ = try? await VolumeTask.removeLeftovers(ctx, stack: plan.identity.stack)
                _ = try? await ctx.runner.capture(Compose.down(project.composeProject, volumes: true))
                _ = try? await ctx.runner.capture(VolumeCommands.remove(pairs.map(\.to) + layeredJobs.flatMap { LayeredBranch.layerNames($0.pair.to) }))
                let left = (try? ctx.engine.volumes(label: "dev.devenv.stack=\(plan.identity.stack)").map(\.name)).map { Set(pairs.map(\.to)).intersection($0) }
                if left?.isEmpty == true { try? BranchCopyJournal.remove(stateDir: plan.stateDir) }   // else the next `up` discards what is left
                throw DevenvError("copying \(parent.stack)'s data into \(plan.identity.stack) failed; \(parent.stack)'s data is unchanged",
                                  hint: "Run `devenv up` again, or `devenv up --fresh` to start empty and seed. (\(error))")
            }
            // The completion, with the parent's seed entries, in one atomic write before anything else
            // can fail (a branch whose parent is slow to come back must not seed its copied data a
            // second time); then the after-copy step, the ledger handed over, the journal removed.
            journal.state = .copied
            journal.seeds = parentLedger.seeds.filter { services.contains($0.service) }
            try journal.save(journalPath)
            try await journal.complete(ctx, plan: plan)
            if let failure = restarter.failure { throw failure }
            BaseRefresh.start(ctx, parent: parent, copies: result)   // a base brought forward a lot: a new one, in the background
            let ordered = services.compactMap { s in result.first { $0.service == s } }
            return Outcome(services: services, seconds: Date().timeIntervalSince(began), copies: ordered)
        }
    }

    /// The branch's volumes of `jobs`' services, made; then their copies (`execute`).
    static func copy(_ ctx: DevenvContext, _ jobs: [CopyJob], pairs: [Pair], stack: String, volumeLabels: [(String, String)],
                     restarter: ParentRestarter, labels: [(String, String)]) async throws -> [ServiceCopy] {
        guard !jobs.isEmpty else { return [] }
        let services = Set(jobs.map(\.service))
        try await createVolumes(ctx, pairs.filter { services.contains($0.service) }, stack: stack, labels: volumeLabels)
        return try await execute(ctx, jobs, restarter: restarter, labels: labels)
    }

    /// The layered services' layers (`runLayered`), and the jobs of those whose layer could not
    /// be made (each with why), to be copied instead.
    static func layer(_ ctx: DevenvContext, _ jobs: [CopyJob], identity: StackIdentity,
                      arrivals: Arrivals) async throws -> ([ServiceCopy], [CopyJob]) {
        var left = jobs
        let layered = try await runLayered(ctx, &left, identity: identity, arrivals: arrivals)
        return (layered, left)
    }

    /// `compose create` of the branch's services (not started), run by `up` beside the
    /// rotation of the copied data's passwords, so that `compose up` only has to start them.
    public static func createContainers(_ ctx: DevenvContext, _ create: Command) async throws {
        let c = try await ctx.runner.capture(create)
        guard c.succeeded else {
            throw Compose.explain(CommandFailure(command: create, status: c.status, stderr: c.stderr.isEmpty ? c.stdout : c.stderr))
        }
    }

    /// One `docker volume create` per branch volume, all at once.
    static func createVolumes(_ ctx: DevenvContext, _ pairs: [Pair], stack: String, labels: [(String, String)]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in pairs {
                let command = VolumeCommands.create(p.to, labels: labels + [("com.docker.compose.project", stack), ("com.docker.compose.volume", p.key)])
                group.addTask { try await SnapshotOperation().copyStep("creating volume \(p.to)", ctx, command) }
            }
            try await group.waitForAll()
        }
    }

    /// Each service's method, with its live command built (templates rendered) up front.
    static func planJobs(_ ctx: DevenvContext, pairs: [Pair], services: [String], parent: String, parentPlan: StackPlan,
                     labels: [(String, String)]) throws -> [CopyJob] {
        var running: [String: String] = [:]
        for c in try ctx.engine.containers(project: parent) where c.state == .running {
            if let s = c.service { running[s] = c.id }
        }
        var live: [String: Result<Command, DevenvError>] = [:]
        for name in services {
            guard let container = running[name], let ps = parentPlan.service(name), let kind = ps.kind, let schema = kind.copy,
                  let target = pairs.first(where: { $0.service == name && $0.key == CopyPlanning.dataKey(name) })?.to else { continue }
            do {
                live[name] = .success(try CopyPlanning.liveCommand(schema, context: ps.context, templates: kind.templates, image: ps.image, parentContainer: container,
                                                                  target: target, labels: labels))
            } catch {
                live[name] = .failure(DevenvError("its copy.live could not be rendered: \(error)"))
            }
        }
        var jobs = CopyPlanning.jobs(services: services, pairs: pairs, running: running, live: live)
        attachLayered(ctx, &jobs, running: running, parent: parent, parentPlan: parentPlan, labels: labels)
        return jobs
    }

    /// Live copies, the stop-and-copy group and idle copies, all at once; then stop-and-copy
    /// for the live copies that failed (their partial copy replaced).
    static func execute(_ ctx: DevenvContext, _ jobs: [CopyJob], restarter: ParentRestarter, labels: [(String, String)]) async throws -> [ServiceCopy] {
        let liveJobs = jobs.filter { $0.method == .live }
        async let liveResults = runLive(ctx, liveJobs)
        var failure: Error?
        var out: [ServiceCopy] = []
        do {
            out += try await stopAndCopy(ctx, jobs.filter { $0.method == .stopped }, restarter: restarter, labels: labels)
        } catch { failure = error }
        do {
            let idle = jobs.filter { $0.method == .idle }
            let began = Date()
            try await copy(ctx, idle.flatMap(\.pairs), labels: labels)
            out += idle.map { ServiceCopy(service: $0.service, method: .idle, seconds: Date().timeIntervalSince(began), parentUnavailable: 0) }
        } catch { failure = failure ?? error }
        let live = await liveResults
        if let failure { throw failure }

        var retry: [CopyJob] = []
        for job in liveJobs {
            switch live[job.service] {
            case .success(let secs)?: out.append(ServiceCopy(service: job.service, method: .live, seconds: secs, parentUnavailable: 0))
            case .failure(let why)?: var j = job; j.method = .stopped; j.why = why.reason; retry.append(j)
            case nil: break
            }
        }
        out += try await stopAndCopy(ctx, retry, restarter: restarter, labels: labels, emptyFirst: true).map { c in
            var c = c; c.liveFailed = true; return c
        }
        return out
    }

    /// Each live copy in its own throwaway container: seconds taken, or why it failed.
    static func runLive(_ ctx: DevenvContext, _ jobs: [CopyJob]) async -> [String: Result<Double, LiveCopyFailure>] {
        await withTaskGroup(of: (String, Result<Double, LiveCopyFailure>).self) { group in
            for job in jobs {
                guard let command = job.live else { continue }
                group.addTask {
                    let began = Date()
                    do {
                        let r = try await ctx.runner.capture(command)
                        if r.succeeded { return (job.service, .success(Date().timeIntervalSince(began))) }
                        return (job.service, .failure(LiveCopyFailure(reason: "exit \(r.status): \(lastLine(r.stderr + "\n" + r.stdout))")))
                    } catch {
                        return (job.service, .failure(LiveCopyFailure(reason: "\(error)")))
                    }
                }
            }
            var out: [String: Result<Double, LiveCopyFailure>] = [:]
            for await (name, r) in group { out[name] = r }
            return out
        }
    }

    struct LiveCopyFailure: Error, Sendable, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// The last non-empty line of a command's output, for a one-line reason.
    static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.last { !$0.isEmpty } ?? "no output"
    }

    /// Stops the parent's `jobs` services together, copies their volumes in parallel, starts
    /// them again and waits until each answers. A failed copy restarts the parent and throws;
    /// a failed restart is kept in `restarter.failure` (thrown after the ledger is saved).
    static func stopAndCopy(_ ctx: DevenvContext, _ jobs: [CopyJob], restarter: ParentRestarter, labels: [(String, String)],
                            emptyFirst: Bool = false) async throws -> [ServiceCopy] {
        guard !jobs.isEmpty else { return [] }
        let names = jobs.map(\.service)
        let stopped = Date()
        try await ServiceRestart.stop(ctx, project: restarter.project, names)
        let copyBegan = Date()
        do {
            try await copy(ctx, jobs.flatMap(\.pairs), labels: labels, emptyFirst: emptyFirst)
        } catch {
            _ = await restarter.start(names)
            throw error
        }
        let copied = Date().timeIntervalSince(copyBegan)
        let ready = await restarter.start(names)
        return jobs.map { j in
            let back = ready[j.service].map { $0.timeIntervalSince(stopped) } ?? Date().timeIntervalSince(stopped)
            return ServiceCopy(service: j.service, method: .stopped, seconds: copied, parentUnavailable: back, why: j.why)
        }
    }

    /// Every pair at once, each in its own throwaway container.
    static func copy(_ ctx: DevenvContext, _ pairs: [Pair], labels: [(String, String)], emptyFirst: Bool = false) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in pairs {
                let command = VolumeCommands.copy(from: p.from, to: p.to, image: p.image, labels: labels, emptyFirst: emptyFirst)
                group.addTask { try await SnapshotOperation().copyStep("copying \(p.from) into \(p.to)", ctx, command) }
            }
            try await group.waitForAll()
        }
    }

    /// The parent as its own project folder describes it (its manifest, ports, credentials),
    /// planned without touching its last use; its compose file is written if it is missing.
    static func parentStack(_ ctx: DevenvContext, _ parent: BranchStart.Parent) throws -> (Project, StackPlan) {
        let pctx = DevenvContext(cwd: parent.entry.root, environment: ctx.environment, output: ctx.output, runner: ctx.runner,
                                 engine: ctx.engine, now: ctx.now)
        var project = try Project.load(pctx)
        project.identity = StackIdentity(project: project.manifest.name, root: project.manifest.root, branch: parent.entry.branch)
        guard project.identity.stack == parent.stack else {
            throw DevenvError("the registry's stack '\(parent.stack)' does not match \(parent.entry.root)/devenv.yml (it names stack '\(project.identity.stack)')",
                              hint: "Pick the parent with `devenv up --from STACK`, or start empty with `devenv up --fresh`.")
        }
        let plan = try project.proposedPlan(pctx)
        if !FileManager.default.fileExists(atPath: plan.composeFile) {
            try AtomicFile.write(try ComposeRenderer.render(plan), to: plan.composeFile, newFileMode: 0o644)
        }
        return (project, plan)
    }
}

/// Starts stopped parent services again and notes when each answered; the first failure is
/// kept (the branch's copy is good even when its parent is slow to come back). Used by one
/// task at a time (the plan it holds is not `Sendable`), so it is not `Sendable` itself.
final class ParentRestarter {
    let ctx: DevenvContext, project: Project, plan: StackPlan, timeout: TimeInterval
    private let failed = Locked<Error?>(nil)

    init(ctx: DevenvContext, project: Project, plan: StackPlan, timeout: TimeInterval) {
        self.ctx = ctx; self.project = project; self.plan = plan; self.timeout = timeout
    }

    var failure: Error? { failed.value }

    /// When each of `services` answered its probe again.
    func start(_ services: [String]) async -> [String: Date] {
        let ready = Locked<[String: Date]>([:])
        do {
            try await ServiceRestart.start(ctx, project: project, plan: plan, services, timeout: timeout) { name, _ in
                ready.with { $0[name] = Date() }
            }
        } catch {
            failed.with { if $0 == nil { $0 = error } }
        }
        return ready.value
    }
}
