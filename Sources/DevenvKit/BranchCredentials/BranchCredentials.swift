import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Each branch stack gets its own credentials, so a parent's `.env` cannot log into a branch,
/// nor a branch's into its parent (templates/README.md, "Branch credentials").
///
/// - Before the claim (`prepare`): the branch's secrets are claimed like any stack's (random,
///   its own file), never equal to its parent's; only a service whose kind has no `rotate:`
///   keeps its parent's secrets, because its copied data still takes them.
/// - After the copy, before the branch starts (`rotate`): each copied service whose kind has a
///   `rotate.run` gets the branch's secrets set inside its copy of the data (the old ones, the
///   parent's, are what it logs in with); `rotate: config` needs nothing; the others are named
///   in `up`'s output.
public enum BranchCredentials {
    /// What `rotate` did for one copied service that has secrets.
    public enum Result: Sendable, Equatable {
        /// Its `rotate.run` set the branch's secrets in the copy, in this many seconds.
        case rotated(Double)
        /// `rotate: config`: the data holds no secret.
        case config
        /// Its kind has no `rotate:`: it keeps the parent's secrets.
        case kept
        /// Its `rotate.run` ran with its layer, right after it was made (`LayeredBranch`): in the
        /// reflink clone's own container (`clone: true`), else on its own; in this many seconds.
        case rotatedWithLayer(Double, clone: Bool)
    }

    /// The services of `plan` whose copied data keeps the parent's secrets: a data volume,
    /// secrets, and a kind without `rotate:` (pure).
    static func keepingParent(_ plan: StackPlan) -> Set<String> {
        Set(plan.services.filter { s in
            guard let kind = s.kind else { return false }
            return kind.dataPath != nil && !kind.secrets.isEmpty && kind.rotate == nil
        }.map(\.name))
    }

    /// The branch's credentials store before its claim (pure): `keep` services take the
    /// parent's secrets; every other secret equal to the parent's is dropped, so the claim
    /// gives it a new random one (a branch made before branches had their own, or a copy of
    /// the parent's file).
    static func store(branch: Credentials.Store, parent: Credentials.Store, keep: Set<String>) -> Credentials.Store {
        var out = branch
        for (service, secrets) in parent {
            if keep.contains(service) { out[service] = secrets; continue }
            guard var mine = out[service] else { continue }
            for (name, value) in secrets where mine[name] == value { mine.removeValue(forKey: name) }
            out[service] = mine.isEmpty ? nil : mine
        }
        return out
    }

    /// In the branch's stack session, before its claim: writes the branch's
    /// credentials file when it must change (`plan` is the branch's proposed plan).
    public static func prepare(_ ctx: DevenvContext, plan: StackPlan, parent: String) throws {
        let stack = plan.identity.stack
        let (parentStore, _) = try Credentials.read(stack: parent, paths: ctx.paths)
        let (stored, damaged) = try Credentials.read(stack: stack, paths: ctx.paths)
        guard damaged == nil else { return }   // the claim keeps the damaged file aside and says so
        let store = store(branch: stored, parent: parentStore, keep: keepingParent(plan))
        if store != stored { try Credentials.save(store, stack: stack, paths: ctx.paths) }
        try markPending(plan, parent: parent)   // until every rotation ran (RotatePending.swift)
    }

    /// After the parent's data was copied into the branch's volumes (the services named in
    /// `copied`) and before the branch starts: runs each copied service's `rotate.run`, all at
    /// once. A failure removes the branch's copy (so the next `up` copies again; unless
    /// `removeOnFailure` is false: a resumed rotation keeps the data) and throws.
    /// `withLayer`: the services whose rotation already ran with their layer
    /// (`BranchCopy.ServiceCopy.rotated`), with how long it took and whether in a clone's container.
    public static func rotate(_ ctx: DevenvContext, project: Project, plan: StackPlan, parent: String,
                              copied: [String], removeOnFailure: Bool = true, withLayer: [String: (Double, clone: Bool)] = [:],
                              settle: @Sendable () async -> Void = {}) async throws -> [(service: String, result: Result)] {
        let (parentStore, _) = try Credentials.read(stack: parent, paths: ctx.paths)
        var results: [(String, Result)] = []
        var jobs: [(service: String, command: Command)] = []
        let labels = VolumeTask.labels(plan.identity, "branch-rotate")
        // A layered (OverlayFS) data volume gets its root's owner and mode from its base in the rotation.
        let volumes = (try? StackVolumes.existing(ctx.engine, stack: plan.identity.stack)) ?? [:]
        for name in copied {
            guard let s = plan.service(name), let kind = s.kind, !kind.secrets.isEmpty else { continue }
            switch kind.rotate {
            case nil: results.append((name, .kept))
            case .config?: results.append((name, .config))
            case .run?:
                if let (secs, clone) = withLayer[name] { results.append((name, .rotatedWithLayer(secs, clone: clone))); continue }
                guard let rendered = try rendered(plan: plan, parentStore: parentStore, service: name) else { continue }
                let layered = volumes[rendered.volume]?.labels
                let base = layered?[StackVolumes.dataMethodLabel] == "overlay" ? layered?[StackVolumes.layerBaseLabel] : nil
                jobs.append((name, RotateCommand.command(rendered, labels: labels, layerBase: base)))
            }
        }
        let ran = await run(ctx, jobs)
        if let (service, failure) = ran.compactMap({ r in r.value.failure.map { (r.key, $0) } }).sorted(by: { $0.0 < $1.0 }).first {
            let lines = failure.split(separator: "\n").suffix(10).map { "  | " + $0 }
            guard removeOnFailure else {
                throw DevenvError("giving \(plan.identity.stack)'s copy of \(parent)'s \(service) data its own password failed; its data is kept",
                                  hint: "Run `devenv up` again; `devenv down --volumes` then `devenv up` copies \(parent)'s data anew.", details: lines)
            }
            await settle()   // whatever else is making the branch (its containers) ends first
            clearPending(plan)
            _ = try? await ctx.runner.capture(Compose.down(project.composeProject, volumes: true))
            let volumes = plan.services.flatMap { StackVolumes.keys($0, root: plan.manifest.root) }.map { StackVolumes.name(stack: plan.identity.stack, key: $0) }
            _ = try? await ctx.runner.capture(VolumeCommands.remove(volumes))
            throw DevenvError("giving \(plan.identity.stack)'s copy of \(parent)'s \(service) data its own password failed; the copy was removed, \(parent)'s data is unchanged",
                              hint: "Run `devenv up` again, or `devenv up --fresh` to start empty and seed.",
                              details: lines)
        }
        for job in jobs { if let secs = ran[job.service]?.seconds { results.append((job.service, .rotated(secs))) } }
        clearPending(plan)
        return copied.compactMap { name in results.first { $0.0 == name }.map { (service: $0.0, result: $0.1) } }
    }

    /// Whether `service` has a `rotate.run` to set the branch's secrets in its data.
    static func runs(_ plan: StackPlan, service name: String) -> Bool {
        guard let s = plan.service(name), let kind = s.kind, !kind.secrets.isEmpty, case .run? = kind.rotate else { return false }
        return kind.dataPath != nil
    }

    /// `service`'s `rotate.run` rendered for the branch's data volume `<service>-data`
    /// (ServiceKind.dataPath): the branch's new secrets, and `old.*` with the parent's. Nil when
    /// its kind has none (or no secrets, or no data path).
    static func rendered(_ ctx: DevenvContext, plan: StackPlan, parent: String, service: String) throws -> RotateCommand.Rendered? {
        try rendered(plan: plan, parentStore: try Credentials.read(stack: parent, paths: ctx.paths).0, service: service)
    }

    static func rendered(plan: StackPlan, parentStore: Credentials.Store, service name: String) throws -> RotateCommand.Rendered? {
        guard let s = plan.service(name), let kind = s.kind, !kind.secrets.isEmpty, case .run(let argv, let env)? = kind.rotate,
              let dataPath = kind.dataPath else { return nil }
        let old = try ServiceContext.build(s.spec, kind: kind, identity: plan.identity, image: s.image, ports: s.ports,
                                           secrets: parentStore[name] ?? [:]).context
        let context = RotateCommand.context(new: s.context, old: old, dataPath: dataPath)
        return try RotateCommand.render(argv: argv, env: env, context: context, templates: kind.templates, image: s.image,
                                        volume: StackVolumes.name(stack: plan.identity.stack, key: "\(name)-data"), dataPath: dataPath)
    }

    struct Ran: Sendable { var seconds: Double?; var failure: String? }

    static func run(_ ctx: DevenvContext, _ jobs: [(service: String, command: Command)]) async -> [String: Ran] {
        await withTaskGroup(of: (String, Ran).self) { group in
            for job in jobs {
                group.addTask {
                    let began = Date()
                    do {
                        let r = try await ctx.runner.capture(job.command)
                        if r.succeeded { return (job.service, Ran(seconds: Date().timeIntervalSince(began))) }
                        let out = (r.stderr + "\n" + r.stdout).trimmingCharacters(in: .whitespacesAndNewlines)
                        return (job.service, Ran(failure: "exit \(r.status)" + (out.isEmpty ? "" : ":\n" + out)))
                    } catch {
                        return (job.service, Ran(failure: "\(error)"))
                    }
                }
            }
            var out: [String: Ran] = [:]
            for await (name, r) in group { out[name] = r }
            return out
        }
    }

    /// `up`'s lines on the branch's credentials, under the copy's summary (pure).
    public static func summary(_ results: [(service: String, result: Result)], stack: String, parent: String) -> [String] {
        guard !results.isEmpty else { return [] }
        let width = results.map(\.service.count).max() ?? 0
        var lines = ["Passwords of \(stack) (\(parent)'s .env does not log in here, nor this one there, unless said):"]
        for (service, result) in results {
            let text: String
            switch result {
            case .rotated(let secs): text = "own password set in the copied data in \(String(format: "%.1fs", secs))"
            case .rotatedWithLayer(let secs, let clone):
                text = clone ? "own password set in the copied data, in its clone's container (\(String(format: "%.1fs", secs)) for both)"
                    : "own password set in the copied data in \(String(format: "%.1fs", secs)), as soon as its layer was made"
            case .config: text = "own password (its configuration carries it; the data holds none)"
            case .kept: text = "warning: still takes \(parent)'s password: its kind has no `rotate:` step to change it in the copied data"
            }
            lines.append("  " + service.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + text)
        }
        return lines
    }
}
