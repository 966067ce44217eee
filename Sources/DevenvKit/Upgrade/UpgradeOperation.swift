import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv upgrade SERVICE [--rollback | --finish]`: moves a service's data to the major
/// version devenv.yml now names, the way its kind declares (`upgrade:` in service.yml).
///
/// 1. The snapshot: the old volume itself, which the upgrade only reads and keeps until
///    `--finish` (listed as `upgrade-SERVICE-OLD-to-NEW` by `devenv snapshot ls`, restorable
///    like any snapshot; `KeptSnapshot`). No second copy of the data is made.
/// 2. The service's container is replaced by one of the new image on a new, empty volume
///    generation (`<stack>_<key>--gN`, `VolumeGenerations`); the old data is served, read-only
///    in effect, by a throwaway container of the old image on the stack's network. Both start
///    at once. With the kind's `upgrade.load`, the new server is first a container of its own
///    on the new volume with the kind's settings for the load (`UpgradeLoad`), started before
///    the service stops; the service's container is made meanwhile.
/// 3. The kind's commands copy roles, then each database (the old side's rows are counted
///    meanwhile; the new side's are the counts the copy reports, `upgrade.copied`, or counted
///    after it). A load server is then stopped cleanly and the service started on the volume.
///    The service must answer its probe, and have the same databases, roles and rows per
///    table as the old one.
/// 4. Only then the swap: one atomic write of `<stateDir>/volumes.json`. The old volume is kept
///    until `--finish`; `--rollback` points the service at it again.
/// A failure or a kill before the swap leaves the old volume as the service's data
/// (`UpgradeJournal`), and the upgrade can run again.
public struct UpgradeOperation: Sendable {
    public enum Action: Sendable { case upgrade, rollback, finish }

    public var service: String
    public var action: Action = .upgrade
    public var yes = false
    public var branch = false
    public var timeout: TimeInterval = 120
    public var progress = true

    public init(service: String) { self.service = service }

    /// Nil when the user said no.
    public func run(_ ctx: DevenvContext) async throws -> Outcome? {
        let project = try Project.load(ctx, branch: branch)
        try project.checkServices([service])
        try ctx.engine.ping()
        switch action {
        case .rollback: return try await locked(ctx, project) { plan in try await rollback(ctx, project: project, plan: plan) }
        case .finish: return try await locked(ctx, project) { plan in try await finish(ctx, plan: plan) }
        case .upgrade: break
        }
        let began = Date()
        // What is there to do? (under the lock, after rolling back a killed upgrade). With
        // --yes the upgrade runs under that same lock, on the version just read.
        let first = try await locked(ctx, project) { plan -> (outcome: Outcome?, from: String, to: String) in
            let (from, to) = try await versions(ctx, plan: plan)
            guard let from, MajorVersion.compare(data: from, wanted: to) != 0 else {
                return (Outcome(service: service, action: "upgrade", from: to, to: to, volume: StackVolumes.name(plan, key: key),
                                message: "\(service)'s data is already \(to); nothing to upgrade."), to, to)
            }
            return (yes ? try await copy(ctx, project: project, plan: plan, from: from, to: to) : nil, from, to)
        }
        var outcome: Outcome
        if let done = first.outcome {
            outcome = done
        } else {
            let (from, to) = (first.from, first.to)
            switch ctx.output.confirm("Upgrade the data of \(service) from \(from) to \(to)? The \(from) data is kept, as snapshot \(Self.snapshotName(service: service, from: from, to: to)), until --finish.") {
            case nil:
                throw DevenvError.usage("`upgrade` rewrites a service's data and needs --yes when not run on a terminal",
                                        hint: "Run `devenv upgrade \(service)\(branch ? " --branch" : "") --yes`.")
            case false?: ctx.output.print("Nothing changed."); return nil
            case true?: break
            }
            outcome = try await locked(ctx, project) { plan -> Outcome in
                let (now, _) = try await versions(ctx, plan: plan)
                guard now == from else { throw DevenvError("\(service)'s data changed version while you were asked (\(now ?? "none")); nothing was upgraded") }
                return try await copy(ctx, project: project, plan: plan, from: from, to: to)
            }
        }
        if outcome.from != outcome.to { outcome.seconds = Date().timeIntervalSince(began) }
        return outcome
    }

    /// The snapshot an upgrade begins with: the old volume it keeps (`KeptSnapshot`).
    static func snapshotName(service: String, from: String, to: String) -> String { "upgrade-\(service)-\(from)-to-\(to)" }

    var key: String { "\(service)-data" }

    /// (data's version, wanted version); the data's is nil when the service has no data yet.
    func versions(_ ctx: DevenvContext, plan: StackPlan) async throws -> (String?, String) {
        let (s, schema) = try upgradable(plan)
        guard let wanted = DataVersion.wanted(s, schema: schema) else {
            throw DevenvError.usage("\(service)'s image \(s.requestedImage) names no version to upgrade to",
                                    hint: "Set `version:` on \(service) in devenv.yml, e.g. version: \"\(s.kind?.version ?? "17")\".")
        }
        let volume = StackVolumes.name(plan, key: key)
        // The service's running container, when it has this volume at the data path, reads it.
        let running = try ctx.engine.containers(project: plan.identity.stack).first { $0.service == service && $0.state == .running }
            .flatMap { c in s.kind?.dataPath.flatMap { path in ctx.engine.inspect(c.id)?.volumes[path] == volume ? (container: c.id, dataPath: path) : nil } }
        guard try StackVolumes.existing(ctx.engine, stack: plan.identity.stack)[volume] != nil,
              let data = try await DataVersion.read(ctx, volume: volume, image: s.image, schema: schema, labels: VolumeTask.labels(plan.identity, "version"),
                                                    running: running) else {
            return (nil, wanted)
        }
        if MajorVersion.compare(data: data, wanted: wanted) > 0 {
            throw DataVersion.error(.init(service: service, data: data, wanted: wanted, volume: volume), kind: s.kind?.description ?? service, branch: branch)
        }
        if MajorVersion.compare(data: data, wanted: wanted) != 0, let previous = try VolumeGenerations.load(stateDir: plan.stateDir).volumes[key]?.previous {
            throw DevenvError("\(service) keeps the data from before its last upgrade (\(previous)); finish or roll back that upgrade first",
                              hint: "`devenv upgrade \(service)\(branch ? " --branch" : "") --finish` (deletes it) or `--rollback` (goes back to it).")
        }
        return (data, wanted)
    }

    func upgradable(_ plan: StackPlan) throws -> (PlannedService, UpgradeSchema) {
        guard let s = plan.service(service) else { throw DevenvError.usage("no service '\(service)' in devenv.yml") }
        guard let schema = s.kind?.upgrade, !schema.copy.isEmpty || (schema.method == .files && !schema.databases.isEmpty), s.kind?.dataPath != nil else {
            throw DevenvError.usage("\(service) (kind \(s.kindName)) has no upgrade method",
                                    hint: "Its kind declares none (`upgrade:` in templates/services/\(s.kindName)/service.yml). Move the data by hand, or `devenv reset \(service)`.")
        }
        return (s, schema)
    }

    // MARK: - The copy

    func copy(_ ctx: DevenvContext, project: Project, plan: StackPlan, from: String, to: String) async throws -> Outcome {
        let (s, schema) = try upgradable(plan)
        let stack = plan.identity.stack
        let oldVolume = StackVolumes.name(plan, key: key)
        let newVolume = VolumeGenerations.next(stack: stack, key: key, current: oldVolume)
        let journal = UpgradeJournal(service: service, key: key, from: oldVolume, to: newVolume, fromVersion: from, toVersion: to)
        let network = UpgradeCommands.network(stack: stack)
        let fromName = UpgradeCommands.fromContainer(stack: stack, service: service)
        let fromHost = UpgradeCommands.fromHost(service: service)
        let labels = VolumeTask.labels(plan.identity, "upgrade")
        let oldImage = UpgradeCommands.oldImage(requested: s.requestedImage, version: from, imageMap: project.imageMap)
        // The kind's commands run in the servers' own containers (`docker exec`: a fraction of a
        // `docker run`'s start): the listings in the container of the server they ask, globals
        // and copy in the new server's, which has the new image's clients.
        func client(_ argv: [String], in container: String, host: String? = nil, database: String? = nil) throws -> Command {
            var u = ["from": fromHost, "to": toHost]
            if let host { u["host"] = host }
            if let database { u["database"] = database }
            return try UpgradeCommands.client(argv, env: schema.env, context: s.context, templates: s.kind?.templates ?? CompiledTemplates(), upgrade: u, container: container)
        }
        func say(_ line: String) { if progress { ctx.output.print(line) } }
        var phases = Phases()
        // The snapshot the upgrade begins with is the old volume itself, which it only reads and
        // keeps: registered with the swap (`VolumeGenerations.Entry.snapshot`), with the seed
        // ledger as it is now.
        let snapshot = Self.snapshotName(service: service, from: from, to: to)
        let seeds = try SeedLedger.load(SeedLedger.path(stateDir: plan.stateDir)).seeds.filter { $0.service == service }
        let created = ISO8601DateFormatter().string(from: ctx.now())

        try journal.save(stateDir: plan.stateDir)
        let down = Date()
        // With `upgrade.load`, the data goes into a server of its own first (the new image on the
        // new volume, with the kind's settings for a bulk load), stopped cleanly after the copy;
        // the service then starts on the loaded volume.
        let load = try loadServer(s, schema: schema, stack: stack, volume: newVolume, network: network, labels: labels)
        let (toName, toHost) = load == nil ? ("", service) : (UpgradeCommands.toContainer(stack: stack, service: service), UpgradeCommands.toHost(service: service))
        do {
            var upPlan = plan   // the service (its compose definition, ports and probe) on the new volume
            upPlan.volumeNames[key] = newVolume
            let networkUp = try ctx.engine.networks(label: "com.docker.compose.project=\(stack)").contains(where: { $0.name == network })
            let stop = Compose.remove(project.composeProject, services: [service])
            if let load, networkUp {
                // The load server's initialisation is the longest step before the copy: it starts at once.
                say("starting \(s.kind?.description ?? service) \(to) on a new volume \(newVolume) to load the data into…")
                try await Self.checked(ctx, VolumeCommands.create(newVolume, labels: composeVolumeLabels(plan)))
                async let loading: Void = Self.checked(ctx, load)
                async let stopped: Void = Self.checked(ctx, stop)
                try await stopped
                try await loading
            } else {
                try await Self.checked(ctx, stop)
            }
            if schema.method == .files {
                // The new server reads a copy of the old files (the old volume is only read).
                say("copying \(oldVolume) into \(newVolume)…")
                try await step("creating \(newVolume)") { try await ctx.runner.check(VolumeCommands.create(newVolume, labels: composeVolumeLabels(plan))) }
                try await step("copying \(oldVolume)") { try await ctx.runner.check(VolumeCommands.copy(from: oldVolume, to: newVolume, image: s.image, labels: labels)) }
                phases.mark("files")
            }
            // Both servers start at once: the new one (the service, or the load server), the old
            // one on the old volume (a container of the old image beside it); while the new one
            // gets ready, the old one is asked for its databases and roles.
            try ComposeFile.write(upPlan)
            let startOld = UpgradeCommands.server(name: fromName, host: fromHost, network: network, image: oldImage, volume: oldVolume,
                                                  dataPath: s.kind?.dataPath ?? "/data", environment: try UpgradeCommands.environment(s),
                                                  command: try UpgradeCommands.command(s), labels: labels)
            let create = Compose.create(project.composeProject, services: [service])
            if let load {
                if !networkUp {   // a stack that is down: compose makes its network (and the service's container) first
                    try await Self.checked(ctx, create)
                    try await Self.checked(ctx, load)
                }
                say("starting \(from) (\(oldImage)) on \(oldVolume)…")
                try await Self.checked(ctx, startOld)
            } else {
                say("starting \(s.kind?.description ?? service) \(to) on a new volume \(newVolume), and \(from) (\(oldImage)) on \(oldVolume)…")
                let startNew = Compose.up(project.composeProject, services: [service])
                if networkUp {
                    async let newStarted: Void = Self.checked(ctx, startNew)
                    async let oldStarted: Void = Self.checked(ctx, startOld)
                    try await newStarted
                    try await oldStarted
                } else {   // a stack that is down: compose makes its network first
                    try await Self.checked(ctx, startNew)
                    try await Self.checked(ctx, startOld)
                }
            }
            async let serviceCreated: Void = Self.checked(ctx, load != nil && networkUp ? create : nil)   // made while the data loads
            let loaded = load == nil ? nil : try client(schema.databases, in: toName, host: toHost)
            let probes = s.probe.map { [(name: service, probe: $0)] } ?? []
            async let newReady = newServerAnswers(ctx, probes: probes, loaded: loaded, version: to)
            let databases = try await poll(ctx, try client(schema.databases, in: fromName, host: fromHost), what: "the \(from) server")
            let roles = try await run(ctx, try client(schema.roles, in: fromName, host: fromHost), what: "listing roles")
            // The old side's rows are counted from now on, while the new server gets ready and
            // then while the copy runs (the old server only reads).
            let counts = try databases.map { db in (db, try client(schema.rows, in: fromName, host: fromHost, database: db)) }
            async let counted = countRows(ctx, counts, on: "the \(from) server")
            if let failed = try await newReady {
                throw try await ServiceRestart.notReadyError(ctx, project: project, service: service, result: failed, timeout: timeout)
            }
            let newName = load == nil ? try newContainer(ctx, stack: stack) : toName
            phases.mark("servers")
            if !schema.globals.isEmpty { _ = try await run(ctx, try client(schema.globals, in: newName), what: "copying roles") }
            var copies: [DatabaseCopy] = []
            var rows: [String: [String: Int]]?
            for db in databases {
                let t = Date()
                let output = schema.copy.isEmpty ? [] : try await run(ctx, try client(schema.copy, in: newName, database: db), what: "copying database \(db)")
                // The new side's rows: as the copy reported writing them (`upgrade.copied`), else counted now.
                let copied = if let c = schema.copied, !schema.copy.isEmpty { try UpgradeCommands.parseCopied(output.joined(separator: "\n"), c) }
                    else { UpgradeCommands.parseRows(try await run(ctx, try client(schema.rows, in: newName, host: toHost, database: db), what: "counting rows in \(db)").joined(separator: "\n")) }
                if rows == nil { rows = try await counted }
                let want = rows?[db] ?? [:]
                if copied != want {
                    let diff = Set(want.keys).union(copied.keys).sorted().filter { want[$0] != copied[$0] }
                        .prefix(5).map { "  \($0): \(want[$0].map(String.init) ?? "none") rows before, \(copied[$0].map(String.init) ?? "none") after" }
                    throw DevenvError("database \(db) did not come through whole", details: Array(diff))
                }
                let c = DatabaseCopy(name: db, rows: copied.values.reduce(0, +), tables: copied.count, seconds: Date().timeIntervalSince(t))
                copies.append(c)
                say("  \(db): \(c.rows) rows in \(c.tables) table\(c.tables == 1 ? "" : "s"), \(String(format: "%.1f", c.seconds)) s")
            }
            phases.mark("roles and copy")
            // The old server is done with: it goes while the new one is checked (killed; the
            // engine removes it, `--rm`).
            let (runner, removeOld) = (ctx.runner, Command("docker", ["kill", fromName]))
            async let oldRemoved = try? runner.capture(removeOld)
            var serviceName = newName
            if load != nil {
                // The load server stops cleanly (its last checkpoint), and the service starts on the volume.
                say("starting \(s.kind?.description ?? service) \(to) on \(newVolume)…")
                try await Self.checked(ctx, UpgradeCommands.stop(name: toName, seconds: Int(timeout)))
                try await serviceCreated
                try await Self.checked(ctx, Compose.up(project.composeProject, services: [service]))
                try await serviceReady(ctx, project: project, probes: probes)
                serviceName = try newContainer(ctx, stack: stack)
                phases.mark("service")
            }
            // The check before the swap: the same databases and roles.
            let (listDatabases, listRoles) = (try client(schema.databases, in: serviceName, host: service), try client(schema.roles, in: serviceName, host: service))
            async let databasesListed = run(ctx, listDatabases, what: "listing databases")
            async let rolesListed = run(ctx, listRoles, what: "listing roles")
            let (newDatabases, newRoles) = try await (databasesListed, rolesListed)
            if Set(newDatabases) != Set(databases) {
                throw DevenvError("the \(to) server has databases \(newDatabases.joined(separator: ", ")), the \(from) one \(databases.joined(separator: ", "))")
            }
            if !Set(roles).isSubset(of: Set(newRoles)) {
                throw DevenvError("roles missing on the \(to) server: \(Set(roles).subtracting(newRoles).sorted().joined(separator: ", "))")
            }
            // The swap; the kept old volume becomes the upgrade's snapshot with it.
            var generations = try VolumeGenerations.load(stateDir: plan.stateDir)
            generations.volumes[key] = .init(current: newVolume, version: to, previous: oldVolume, previousVersion: from, service: service,
                                             snapshot: snapshot, snapshotCreated: created, seeds: seeds)
            try generations.save(stateDir: plan.stateDir)
            let unavailable = Date().timeIntervalSince(down)
            try? UpgradeJournal.clear(stateDir: plan.stateDir)
            _ = await oldRemoved
            phases.mark("checks")
            return Outcome(service: service, action: "upgrade", from: from, to: to, volume: newVolume, previous: oldVolume, snapshot: snapshot, databases: copies,
                           unavailable: unavailable, phases: phases.seconds,
                           message: "Upgraded \(service) from \(from) to \(to); the \(from) data stays in \(oldVolume), listed as snapshot \(snapshot), "
                               + "until `devenv upgrade \(service)\(branch ? " --branch" : "") --finish` (`--rollback` goes back to it).")
        } catch {
            _ = try? await ctx.runner.capture(Command("docker", ["rm", "--force", fromName] + (load == nil ? [] : [toName])))
            try? await UpgradeJournal.undo(ctx, project: project, plan: plan, journal: journal)
            let e = error as? DevenvError ?? DevenvError("\(error)")
            throw DevenvError("upgrading \(service) from \(from) to \(to) failed: \(e.message)",
                              hint: "Its data is unchanged: the \(from) data in \(oldVolume); the new volume was removed. "
                                  + "Set the version back to \"\(from)\" to start it as before, or fix the cause and run `devenv upgrade \(service)` again."
                                  + (e.hint.map { " " + $0 } ?? ""),
                              details: e.details)
        }
    }
}
