import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv upgrade SERVICE --rollback | --finish`, and the steps the upgrade runs its commands with.
extension UpgradeOperation {
    /// The service's (new) container, once it runs.
    func newContainer(_ ctx: DevenvContext, stack: String) throws -> String {
        guard let c = try ctx.engine.containers(project: stack).first(where: { $0.service == service && $0.state == .running }) else {
            throw DevenvError("\(service)'s new container is not running", hint: "See `devenv logs \(service)`.")
        }
        return c.id
    }

    /// Seconds per step of an upgrade, for `--json` (where the time goes: `make bench`).
    struct Phases {
        var seconds: [String: Double] = [:]
        var last = Date()
        mutating func mark(_ name: String) {
            let now = Date()
            seconds[name, default: 0] += (now.timeIntervalSince(last) * 10).rounded() / 10
            last = now
        }
    }

    /// Runs a kind command; its output lines, or an error with its last lines.
    func run(_ ctx: DevenvContext, _ command: Command, what: String) async throws -> [String] {
        let r = try await ctx.runner.capture(command)
        guard r.succeeded else {
            throw DevenvError("\(what) failed (exit \(r.status))", details: (r.stderr + r.stdout).split(separator: "\n").suffix(8).map { "  | " + $0 })
        }
        return UpgradeCommands.parseNames(r.stdout)
    }

    /// The rows per table of each database, counted one after another by its command.
    func countRows(_ ctx: DevenvContext, _ commands: [(database: String, command: Command)], on server: String) async throws -> [String: [String: Int]] {
        var out: [String: [String: Int]] = [:]
        for (db, command) in commands {
            out[db] = UpgradeCommands.parseRows(try await run(ctx, command, what: "counting rows in \(db) on \(server)").joined(separator: "\n"))
        }
        return out
    }

    /// Runs `command` until it succeeds (the server answers) or the timeout passes, a try every `every` seconds.
    func poll(_ ctx: DevenvContext, _ command: Command, what: String, every: Double = 0.2) async throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let r = try await ctx.runner.capture(command)
            if r.succeeded { return UpgradeCommands.parseNames(r.stdout) }
            if Date() >= deadline {
                throw DevenvError("\(what) did not answer within \(Int(timeout)) s", details: (r.stderr + r.stdout).split(separator: "\n").suffix(8).map { "  | " + $0 })
            }
            try await Task.sleep(nanoseconds: UInt64(every * 1e9))   // the next try of a poll with a deadline
        }
    }

    /// Runs `command` (nil: nothing to run); a failure explained as compose's are.
    static func checked(_ ctx: DevenvContext, _ command: Command?) async throws {
        guard let command else { return }
        do { try await ctx.runner.check(command) }
        catch let f as CommandFailure { throw Compose.explain(f) }
    }

    func step(_ what: String, _ body: () async throws -> Void) async throws {
        do { try await body() }
        catch let f as CommandFailure { throw Compose.explain(f) }
    }

    // MARK: - Rollback and finish

    func rollback(_ ctx: DevenvContext, project: Project, plan: StackPlan) async throws -> Outcome {
        _ = try upgradable(plan)
        var generations = try VolumeGenerations.load(stateDir: plan.stateDir)
        guard let entry = generations.volumes[key], let previous = entry.previous else {
            throw DevenvError.usage("\(service) has no upgrade to roll back (no data kept from before one)",
                                    hint: "`devenv snapshot ls` lists the snapshots an upgrade took (`devenv snapshot restore NAME`).")
        }
        try await step("stopping \(service)") { try await ctx.runner.check(Compose.remove(project.composeProject, services: [service])) }
        if previous == StackVolumes.name(stack: plan.identity.stack, key: key) { generations.volumes[key] = nil }
        else { generations.volumes[key] = .init(current: previous, version: entry.previousVersion, service: service) }
        try generations.save(stateDir: plan.stateDir)
        var after = plan
        after.volumeNames = generations.names
        try ComposeFile.write(after)
        let r = try await ctx.runner.capture(VolumeCommands.remove([entry.current]))
        if !r.succeeded { ctx.output.error("note: could not delete \(entry.current), the upgraded data (`docker volume rm \(entry.current)`)") }
        let old = entry.previousVersion ?? "the old version"
        let wanted = plan.service(service).flatMap { s in s.kind?.upgrade.flatMap { DataVersion.wanted(s, schema: $0) } }
        let back = entry.previousVersion.flatMap { p in wanted.map { MajorVersion.compare(data: p, wanted: $0) == 0 } } ?? false
        let next = back ? "Run `devenv up`." : "Set the version of \(service) back to \"\(old)\" in devenv.yml, then run `devenv up`."
        return Outcome(service: service, action: "rollback", from: entry.version ?? "?", to: old, volume: previous, previous: nil,
                       message: "Rolled \(service) back to its \(old) data (\(previous)\(entry.snapshot.map { ", which was snapshot \($0)" } ?? "")); the upgraded volume \(entry.current) was deleted. \(next)")
    }

    func finish(_ ctx: DevenvContext, plan: StackPlan) async throws -> Outcome {
        let snapshot = try VolumeGenerations.load(stateDir: plan.stateDir).volumes[key]?.snapshot
        guard let (previous, was) = try await KeptVolumes.remove(ctx, stateDir: plan.stateDir, key: key) else {
            throw DevenvError.usage("\(service) keeps no data from before an upgrade; nothing to finish")
        }
        let entry = try VolumeGenerations.load(stateDir: plan.stateDir).volumes[key]
        return Outcome(service: service, action: "finish", from: was ?? "old", to: entry?.version ?? "?", volume: entry?.current ?? previous,
                       message: "Deleted \(previous), the \(was ?? "old") data of \(service) from before its upgrade\(snapshot.map { " (snapshot \($0))" } ?? "").")
    }

    /// In a session on the stack (the engine was asked before), claimed, with a killed upgrade
    /// rolled back (which changes the volumes, so the stack is claimed again): `body`.
    func locked<T>(_ ctx: DevenvContext, _ project: Project, _ body: (StackPlan) async throws -> T) async throws -> T {
        try await StackSession.with(ctx, project: project, ping: false, quiet: !progress) { session in
            var plan = try ComposeFile.ensure(session)
            if let note = try await UpgradeJournal.resume(ctx, project: project, plan: plan) {
                ctx.output.error("note: " + note)
                _ = try session.reclaim()
                plan = try ComposeFile.ensure(session)
            }
            return try await body(plan)
        }
    }
}
