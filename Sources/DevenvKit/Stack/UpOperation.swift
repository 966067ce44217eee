import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv up`: plan → render → start (only what is not already running as planned) →
/// wait until every service answers from the host → run first-start setup → write `.env`.
public struct UpOperation {
    public var services: [String] = []
    public var timeout: TimeInterval = 120
    public var branch = false
    /// How a new branch stack gets its data (`--fresh`, `--from STACK`).
    public var branchStart = BranchStart()
    /// Print progress lines (off for `--json`).
    public var progress = true
    /// Progress lines on stderr, stdout being JSON (`up --json --progress`, for `devenv mcp`).
    public var progressOnStderr = false
    /// Where each stage records how long it took, per service.
    public var timer = PhaseTimer()
    /// Run the app's processes under a background supervisor (`--detach`) instead of in the
    /// foreground (the CLI runs `outcome.processes` then).
    public var detach = false
    /// `--upgrade`: data an older major version wrote is upgraded first, as `devenv upgrade
    /// SERVICE --yes` does, instead of stopping `up` (a branch stack asks on a terminal).
    public var upgrade = false
    /// `--profile NAME`: also start the services of these profiles (a service in a profile
    /// starts only when one of its profiles is named, or it is named itself).
    public var profiles: [String] = []

    public init() {}

    public struct Outcome {
        public var plan: StackPlan
        public var report: StatusReport
        /// False when the stack was already up as planned and compose was not run.
        public var started: Bool
        public var seconds: Double
        public var envReport: [String]
        /// Per-service phase durations (also in `report.timings`).
        public var timings: UpTimings
        public var seedReport = SeedOperation.Report()
        /// Where a new branch stack's data came from and how long it took; nil otherwise.
        public var origin: String?
        /// The app's processes: to run in the foreground, or running under a supervisor.
        public var processes: ProcessLaunch?
    }

    public func run(_ ctx: DevenvContext) async throws -> Outcome {
        do { return try await attempt(ctx) } catch let needed as UpgradeFirst {
            for m in needed.mismatches {   // each under its own lock, as `devenv upgrade`
                var op = UpgradeOperation(service: m.service)
                (op.yes, op.branch, op.timeout, op.progress) = (true, branch, timeout, progress && !progressOnStderr)
                if let done = try await op.run(ctx), progress { ctx.output.error(done.message) }
            }
            return try await attempt(ctx)
        }
    }

    /// Data of older major versions `up` upgrades before it starts again.
    struct UpgradeFirst: Error { var mismatches: [DataVersion.Mismatch] }

    func attempt(_ ctx: DevenvContext) async throws -> Outcome {
        let start = Date()
        let project = try Project.load(ctx, branch: branch)
        let selection = try UpSelection(manifest: project.manifest, names: services)
        let known = Array(Set(project.manifest.services.flatMap(\.profiles))).sorted()
        for p in profiles where !known.contains(p) {
            throw DevenvError.usage("no service of \(ManifestLoader.fileName) has profile '\(p)'\(Suggest.hint(p, among: known))",
                                    hint: known.isEmpty ? "devenv.yml names no profiles: drop --profile." : "Profiles: \(known.joined(separator: ", ")).")
        }
        if !selection.processes.isEmpty { try ProcessTrust.require(ctx, project: project) }
        // A killed `up` keeps the lock until its children are dead (StackLock).
        return try await StackSession.with(ctx, project: project, quiet: !progress) { session in
            try await attempt(session, selection: selection, start: start)
        }
    }

    func attempt(_ session: StackSession, selection: UpSelection, start: Date) async throws -> Outcome {
        let ctx = session.ctx, project = session.project
        let services = selection.services   // `up api` (a process) brings every service up

        // Planned once: before the claim (to finish a killed branch copy and decide where a
        // branch's data comes from, which may give the branch its own secrets), and kept by the
        // claim when it reserved what was proposed. Resuming a copy changes none of what the
        // plan reads (registry, credentials, volume generations).
        let proposed = try session.proposedPlan()
        // A branch copy a killed devenv left: finished or discarded before anything looks at the data.
        if let note = try await BranchCopyJournal.resume(ctx, plan: proposed) { ctx.output.error("note: " + note) }
        var containers = try ctx.engine.containers(project: project.identity.stack)
        let decision = try branchStart.decide(ctx, plan: proposed, containers: containers)
        if case .existing(let note?) = decision { ctx.output.error(note) }
        if case .copy(let parent) = decision {   // the branch claims its own secrets (BranchCredentials)
            try BranchCredentials.prepare(ctx, plan: proposed, parent: parent.stack)
        }
        // The one claim of `up`: ports in the machine registry and credentials, under the stack lock.
        var plan = try session.claimedPlan(touch: true)
        let ours = Set(containers.flatMap { $0.ports.compactMap(\.publicPort) })   // its own containers in any state
            .union(try ProcessesStage.prepare(ctx, plan: plan, selection: selection))
            .union(RemoteStack.heldPorts(ctx, stack: plan.identity.stack))
        var check = PortCheck(engine: ctx.engine)
        check.processPorts = try ProcessesStage.ports(plan, selection: selection)
        let portCheck = try check.run(plan: &plan, ours: ours) { keys in try session.reclaim(releasing: keys, touch: true) }
        for m in portCheck.moved {
            ctx.output.error("port \(m.from) of \(m.service) is taken by \(m.holder); moved to \(m.to) (the .env files follow)")
        }
        for w in portCheck.appPortWarnings { ctx.output.error("warning: " + w) }
        if let note = try await RestoreJournal.resume(ctx, plan: plan) { ctx.output.error("note: " + note) }
        if let note = try await UpgradeJournal.resume(ctx, project: project, plan: plan) {
            ctx.output.error("note: " + note)
            containers = try ctx.engine.containers(project: project.identity.stack)   // it removed the new server's container
        }
        // Data a different major version wrote: stop before anything starts (`devenv upgrade`).
        let checked = services.isEmpty ? plan.services : plan.services.filter { services.contains($0.name) }
        let mismatches = try await DataVersion.mismatches(ctx, plan: plan, services: checked, containers: containers)
        if let m = mismatches.first {
            let kind = plan.service(m.service)?.kind?.description ?? m.service
            if !mismatches.contains(where: \.isDowngrade), upgrade || (plan.identity.branch != nil && ctx.output.confirm(
                "\(m.service)'s data was written by \(kind) \(m.data), and devenv.yml asks for \(m.wanted). Upgrade it now (the \(m.data) data is kept as a snapshot)?") == true) {
                throw UpgradeFirst(mismatches: mismatches)
            }
            throw DataVersion.error(m, kind: kind, branch: branch)
        }
        try EnvStage.preflight(plan)
        if let note = try GitIgnore.ensureDevenvIgnored(root: plan.manifest.root), progress { ctx.output.error("note: " + note) }
        let compose = try ComposeRenderer.render(plan)
        try RemoteStack.checkMounts(ctx, compose: compose)
        let existing = try ComposeFile.write(compose, plan: plan)
        var gap: [String] = []
        if case .copy = decision {} else { gap = try LedgerGap.services(ctx, plan: plan, seeds: project.seeds) }
        try LedgerGap.settle(plan: plan, gap: gap)   // from here on the stack's data is devenv's

        let active = plan.services.filter { $0.spec.profiles.isEmpty || $0.spec.profiles.contains(where: profiles.contains) }
        let selected = services.isEmpty ? active : plan.services.filter { services.contains($0.name) }
        let names = selected.map(\.name)
        let alreadyUp = existing == compose && names.allSatisfy { n in containers.contains { $0.service == n && $0.state == .running } }

        let board = ProgressBoard(output: ctx.output, services: names, enabled: progress, linesOnStderr: progressOnStderr)
        var started = false
        var copied: BranchCopy.Outcome?
        var credentials: [String] = []
        var fresh: Set<String> = []
        if !alreadyUp {
            if case .copy = decision {} else { fresh = try SetupCondition.freshServices(ctx, plan: plan, except: []) }
            let missing = selected.filter { $0.spec.build == nil && !ctx.engine.imageExists($0.image) }   // compose builds the others
            for s in missing { board.set(s.name, "pulling \(s.image)") }
            do {
                try await pull(ctx, project: project, services: missing)
                if case .copy(let parent) = decision {
                    board.setAll("copying data from \(parent.stack)")
                    // As soon as every copied volume shows its data (a layered service's own passwords may
                    // still be being set, BranchCopy), compose creates the branch's containers (not
                    // started): `up` then only starts them. A failure waits for it before it removes the
                    // copy (and the containers).
                    let creating = Locked<Task<Void, any Error>?>(nil)
                    let compose = project.composeProject
                    let create: @Sendable ([String]) -> Void = { services in
                        creating.with { $0 = Task { try await BranchCopy.createContainers(ctx, Compose.create(compose, services: services)) } }
                    }
                    let settle: @Sendable () async -> Void = { _ = try? await creating.value?.value }
                    do { copied = try await BranchCopy.run(ctx, project: project, plan: plan, parent: parent, timeout: timeout, inPlace: create, settle: settle) }
                    catch { await settle(); throw error }
                    // Nothing ran beside the last arrival (a reflink clone rotates in its own container): the
                    // containers are created beside the rotations still to run, if any, else by `compose up`.
                    if let copied, creating.value == nil,
                       copied.services.contains(where: { s in copied.copies.first { $0.service == s }?.rotated == nil && BranchCredentials.runs(plan, service: s) }) {
                        create(copied.services)
                    }
                    // After the copy (its journal done), before the branch starts, the copied data takes
                    // the branch's own passwords (a layered service's did with its layer); a crash in
                    // between is finished by `resume` below.
                    board.setAll("setting \(plan.identity.stack)'s own passwords")
                    var withLayer: [String: (Double, clone: Bool)] = [:]
                    for c in copied?.copies ?? [] { if let secs = c.rotated { withLayer[c.service] = (secs, clone: c.layer == .reflink && c.caughtUp == nil) } }
                    let rotated: [(service: String, result: BranchCredentials.Result)]
                    do {
                        rotated = try await BranchCredentials.rotate(ctx, project: project, plan: plan, parent: parent.stack,
                                                                     copied: copied?.services ?? [], withLayer: withLayer, settle: settle)
                    } catch { await settle(); throw error }
                    try await creating.value?.value
                    credentials = BranchCredentials.summary(rotated, stack: plan.identity.stack, parent: parent.stack)
                } else {   // a rotation a killed `up` left unfinished runs before the branch starts (RotatePending.swift)
                    credentials = try await BranchCredentials.resume(ctx, project: project, plan: plan, containers: containers)
                }
                board.setAll("starting")
                try await timer.measure(.starting, names) { try await ctx.runner.check(Compose.up(project.composeProject, services: services, profiles: profiles)) }
            } catch let f as CommandFailure { board.finish(); throw Compose.explain(f) }
            catch { board.finish(); throw error }
            started = true
        }

        if let note = try await RemoteStack.connect(ctx, plan: plan), progress { ctx.output.error(note) }
        let waiter = ReadinessWaiter(prober: ctx.prober)
        // A one-shot step (`restart: "no"`) is ready when it has exited 0; a service that may stop
        // (`on-failure`) is also done when it exits 0.
        let steps = selected.filter(\.spec.isStep).map(\.name)
        let watcher = ContainerWatcher(engine: ctx.engine, stack: plan.identity.stack, waiter: waiter, services: names,
                                       damagePatterns: DataDamage.patterns(selected), mayExit: Set(selected.filter(\.spec.mayExit).map(\.name))).start()
        let timer = timer
        let probes = selected.filter { !$0.spec.isStep }.compactMap { s in s.probe.map { (s.name, $0) } }
        // The data volumes' labels (for the report) are listed while the probes wait.
        let engine = ctx.engine, stack = plan.identity.stack
        let volumes = Task { await Blocking.run { try? StackVolumes.existing(engine, stack: stack) } }
        let results = await waiter.wait(probes, steps: steps, timeout: timeout) { name, secs in
            board.set(name, steps.contains(name) ? "done (exit 0)" : "ready", seconds: secs)
            timer.record(.readiness, [name], seconds: secs)
        }
        watcher.cancel()
        for s in selected where s.probe == nil && !s.spec.isStep { board.set(s.name, "ready", seconds: 0); timer.record(.readiness, [s.name], seconds: 0) }
        let failed = results.filter { if case .ready = $0.value { return false } else { return true } }
        for name in failed.keys { board.set(name, "not ready") }
        board.finish()
        if let (name, result) = failed.sorted(by: { $0.key < $1.key }).first {
            throw try await notReadyError(ctx, project: project, service: name, result: result)
        }

        if started { try await runSetup(ctx, project: project, services: selected, fresh: fresh) }
        await CatchUp.releasePending(ctx, plan: plan)   // anchors of bases removed while this stack was stopped
        let envReport = try await EnvStage.write(plan, ctx: ctx, force: false)
        let seedReport = try await SeedOperation.applyNew(ctx, project: project, plan: plan, services: services, skipping: gap)
        if !gap.isEmpty { ctx.output.error(LedgerGap.warning(services: gap, ledger: SeedLedger.path(stateDir: plan.stateDir), cwd: ctx.cwd)) }
        for a in seedReport.applied { timer.add(.seeding, a.service, seconds: a.seconds ?? 0) }
        if started || copied != nil { containers = try ctx.engine.containers(project: plan.identity.stack) }
        var report = StatusBuilder.build(plan, containers: containers, engine: nil, probe: false)
        RemoteStack.annotate(&report, ctx)
        StatusBuilder.annotateData(&report, plan: plan, volumes: await volumes.value)
        for i in report.services.indices where names.contains(report.services[i].name) && report.services[i].state == .running {
            report.services[i].health = "ready"   // every selected service just answered its probe
        }
        var stage = ProcessesStage(selection: selection, detach: detach, timeout: timeout, progress: progress, branch: branch)
        stage.progressOnStderr = progressOnStderr
        let processes = try await stage.launch(ctx, plan: plan)
        report.processes = ProcessStatusReader.rows(plan)
        report.pulls = (try? PullRecord.load(stateDir: plan.stateDir)) ?? []
        let seconds = Date().timeIntervalSince(start)
        report.timings = timer.timings(services: names, total: seconds)
        let seeding = seedReport.applied.isEmpty ? nil : seedReport.applied.reduce(0) { $0 + ($1.seconds ?? 0) }
        return Outcome(plan: plan, report: report, started: started, seconds: seconds, envReport: envReport, timings: report.timings!,
                       seedReport: seedReport,
                       origin: BranchStart.summary(decision, stack: plan.identity.stack, copy: copied, seedSeconds: seeding)
                           .map { ([$0] + credentials).joined(separator: "\n") } ?? (credentials.isEmpty ? nil : credentials.joined(separator: "\n")),
                       processes: processes)
    }

    /// Pulls the images not on the engine yet, one `compose pull` per service in parallel so
    /// each service's pull is timed on its own.
    func pull(_ ctx: DevenvContext, project: Project, services: [PlannedService]) async throws {
        let compose = project.composeProject, timer = timer
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in services.map(\.name) {
                group.addTask {
                    let began = Date()
                    try await ctx.runner.check(Compose.pull(compose, services: [name]))
                    timer.record(.pulling, [name], seconds: Date().timeIntervalSince(began))
                }
            }
            try await group.waitForAll()
        }
    }

    /// A kind's `setup:` steps (extra databases, buckets), inside the container after it is ready
    /// (`docker exec` in the running container the engine names, else `compose exec`).
    func runSetup(_ ctx: DevenvContext, project: Project, services: [PlannedService], fresh: Set<String> = []) async throws {
        var running: [String: String] = [:]
        if services.contains(where: { !($0.kind?.setup.isEmpty ?? true) }) {
            for c in (try? ctx.engine.containers(project: project.identity.stack)) ?? [] where c.state == .running {
                if let name = c.service { running[name] = c.id }
            }
        }
        for s in services {
            guard let kind = s.kind else { continue }
            let began = Date()
            var ran = false
            defer { if ran { timer.add(.seeding, s.name, seconds: Date().timeIntervalSince(began)) } }
            var context = s.context
            context["fresh"] = fresh.contains(s.name)
            for step in kind.setup {
                guard try SetupCondition.holds(step.when, context, templates: kind.templates) else { continue }
                ran = true
                do { for command in try SetupCommands.commands(step, service: s, context: context, project: project.composeProject,
                                                                    container: running[s.name]) { try await ctx.runner.check(command) } }
                catch let f as CommandFailure {
                    throw DevenvError("setting up \(s.name) failed", details: f.stderr.split(separator: "\n").suffix(10).map { "  " + $0 })
                }
            }
        }
    }

    func notReadyError(_ ctx: DevenvContext, project: Project, service: String, result: ReadinessWaiter.Result) async throws -> DevenvError {
        try await ServiceRestart.notReadyError(ctx, project: project, service: service, result: result, timeout: timeout)
    }
}

/// Watches the stack's containers while `up` waits, so a service whose container exits or
/// keeps restarting fails at once instead of at the deadline.
struct ContainerWatcher: Sendable {
    let engine: any ContainerEngine, stack: String, waiter: ReadinessWaiter, services: [String]
    /// Per service, log lines meaning its data folder cannot be used (`DataDamage`).
    var damagePatterns: [String: [String]] = [:]
    /// Services for which exiting with code 0 is finishing, not failing (`restart: "no"`, `on-failure`).
    var mayExit: Set<String> = []

    /// Checks once a second until the returned task is cancelled.
    func start() -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                if Task.isCancelled { return }
                await Blocking.run { check() }
            }
        }
    }

    private func check() {
        guard let containers = try? engine.containers(project: stack) else { return }
        for name in services {
            guard let c = containers.first(where: { $0.service == name }) else { continue }
            if let line = DataDamage.scan(engine, container: c.id, patterns: damagePatterns[name] ?? []) {
                waiter.fail(name, reason: DataDamage.reason(line))
            } else if c.state.hasEnded {
                if mayExit.contains(name), engine.restartInfo(id: c.id)?.exitCode == 0 { waiter.complete(name) }
                else { waiter.fail(name, reason: "stopped (\(c.status))") }
            } else if c.state == .restarting, let info = engine.restartInfo(id: c.id), info.restarts >= 3 {
                waiter.fail(name, reason: "keeps restarting (\(info.restarts) restarts, last exit code \(info.exitCode))")
            }
        }
    }
}
