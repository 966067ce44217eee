import Foundation

/// Copies a parent stack's volumes into a new branch stack, the way snapshots copy: the
/// parent's running services that hold the data are stopped (so the copy is consistent),
/// each volume is copied by a throwaway container of the service's own image
/// (`VolumeCommands.copy`, the parent's volume mounted read-only), and the parent's services
/// are started again and waited for. The branch takes the parent's seed ledger for the
/// services it copied, so their seeds are not applied again. Nothing else of the parent
/// changes.
public enum BranchCopy {
    public struct Outcome: Sendable {
        /// The services whose data was copied.
        public var services: [String]
        public var seconds: Double
        /// The parent's services that were stopped for the copy (and started again).
        public var stoppedParent: [String]
        /// How long they were down: stop, copy, start, until they answered again.
        public var parentDowntime: Double
    }

    /// One volume to copy: the branch's service, the parent's volume, the branch's volume.
    struct Pair { var service: String; var image: String; var from: String; var to: String }

    /// The volumes the branch and its parent have in common, by compose volume key (pure).
    static func pairs(_ plan: StackPlan, parent: String, parentVolumes: Set<String>) -> [Pair] {
        plan.services.flatMap { s in
            StackVolumes.keys(s, root: plan.manifest.root).compactMap { key -> Pair? in
                let from = StackVolumes.name(stack: parent, key: key)
                guard parentVolumes.contains(from) else { return nil }
                return Pair(service: s.name, image: s.image, from: from, to: StackVolumes.name(stack: plan.identity.stack, key: key))
            }
        }
    }

    /// Runs with the branch's stack lock held; takes the parent's for the copy. Nil when the
    /// parent holds none of the branch's volumes.
    public static func run(_ ctx: DevenvContext, project: Project, plan: StackPlan, parent: BranchStart.Parent,
                           timeout: TimeInterval) async throws -> Outcome? {
        let pairs = pairs(plan, parent: parent.stack, parentVolumes: parent.volumes)
        guard !pairs.isEmpty else { return nil }
        let began = Date()
        var services: [String] = []
        for p in pairs where !services.contains(p.service) { services.append(p.service) }

        // The branch's containers and volumes, created by compose (its labels) and not started.
        do { try await ctx.runner.check(Compose.create(project.composeProject, services: services)) }
        catch let f as CommandFailure { throw Compose.explain(f) }

        let lock = try FileLock.acquire(ctx.paths.stackLock(parent.stack)) {
            ctx.output.error("waiting for another devenv working on stack '\(parent.stack)'…")
        }
        defer { lock.unlock() }
        let (parentProject, parentPlan) = try parentStack(ctx, parent)
        let running = try SnapshotOperation().runningServices(ctx, stack: parent.stack, among: services)
        let stopped = Date()
        try await ServiceRestart.stop(ctx, project: parentProject, running)
        do {
            try await copy(ctx, pairs, labels: VolumeTask.labels(plan.identity, "branch-copy"))
        } catch {
            try? await ServiceRestart.start(ctx, project: parentProject, plan: parentPlan, running, timeout: timeout)
            _ = try? await ctx.runner.capture(Compose.down(project.composeProject, volumes: true))
            throw DevenvError("copying \(parent.stack)'s data into \(plan.identity.stack) failed; \(parent.stack) is unchanged",
                              hint: "Run `devenv up` again, or `devenv up --fresh` to start empty and seed. (\(error))")
        }
        // The ledger goes with the data before anything else can fail: a branch whose parent is
        // slow to come back must not seed its copied data a second time on the next `up`.
        do {
            let parentLedger = try SeedLedger.load(SeedLedger.path(stateDir: parentPlan.stateDir))
            let path = SeedLedger.path(stateDir: plan.stateDir)
            var ledger = try SeedLedger.load(path)
            for s in services { ledger.forget(service: s) }
            for e in parentLedger.seeds where services.contains(e.service) { ledger.record(e) }
            try ledger.save(path)
        } catch {
            try? await ServiceRestart.start(ctx, project: parentProject, plan: parentPlan, running, timeout: timeout)
            throw error
        }
        try await ServiceRestart.start(ctx, project: parentProject, plan: parentPlan, running, timeout: timeout)
        return Outcome(services: services, seconds: Date().timeIntervalSince(began), stoppedParent: running,
                       parentDowntime: Date().timeIntervalSince(stopped))
    }

    /// Every pair at once, each in its own throwaway container.
    static func copy(_ ctx: DevenvContext, _ pairs: [Pair], labels: [(String, String)]) async throws {
        let steps = pairs.map { p in
            ("copying \(p.from) into \(p.to)", VolumeCommands.copy(from: p.from, to: p.to, image: p.image, labels: labels))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (what, command) in steps {
                group.addTask { try await SnapshotOperation().copyStep(what, ctx, command) }
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
