import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Bringing a base that is behind its parent forward in a new branch (`copy.layered.catchup`),
/// so that a parent that has written since its base still branches from that base, in time
/// that grows with what it wrote since and not with what it holds.
///
/// - Each base taken for a kind with `catchup` holds an **anchor** in the parent (for
///   Postgres a physical replication slot), named by the base's label `dev.devenv.base-anchor`,
///   which keeps what the parent writes from the base's start on.
/// - A branch of a parent whose present differs from every base's (`current`) asks the parent
///   for its anchors (`anchors`): the newest complete base whose anchor still holds is used, and
///   the branch's data (the layer on it, or its reflink clone) is brought forward by `run`, in a
///   throwaway container of the parent's image in the parent's network namespace, before the
///   branch's server first starts: in the same container as the branch's rotation when it has one.
/// - Anchors never outlive their base: one whose base is gone (or was never completed) is
///   released (`release`) by the next branch of that parent, and when a base is removed
///   (`BaseVolumes.removeUnused`) while its parent runs.
enum CatchUp {
    /// The label of a base that holds an anchor in its parent: the anchor's name.
    static let anchorLabel = "dev.devenv.base-anchor"

    /// The exit status of a combined catch-up and rotation (`command`) when the catch-up failed.
    static let failedStatus: Int32 = 86

    /// One layered job's catch-up, rendered against the parent's service (`BranchCopy.attachLayered`).
    struct Job: Sendable {
        /// The new base's anchor, should a new base be taken.
        var newAnchor: String
        /// `docker exec` in the parent's container: its anchors, and releasing them (names appended).
        var anchors: Command
        var release: Command
        /// `run` and `env` rendered (with `{{data}}`), the parent's image and container.
        var argv: [String]
        var env: [(String, String)]
        var image: String
        var parentContainer: String
        var dataPath: String
    }

    /// A catch-up that failed: the branch fails (its containers may be in creation on its
    /// data, so it is not copied instead); the base's anchor was released.
    struct Failed: Error, Sendable, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// An anchor the parent holds: how many bytes it kept since its base (nil: lost, the
    /// parent no longer keeps what the base needs).
    struct Anchor: Sendable, Equatable { var name: String; var behind: Int64? }

    /// A base to bring forward: its volume, its anchor, and how far behind the parent it is.
    struct Need: Sendable, Equatable { var base: String; var anchor: String; var behind: Int64 }

    /// The base's id in anchor names: the random part of its name (`LayeredBranch.newBaseName`).
    static func baseID(_ base: String) -> String {
        base.range(of: "-base-", options: .backwards).map { String(base[$0.upperBound...]) } ?? base
    }

    /// `schema` rendered for the parent's service `context` (the parent on loopback; `base.id`
    /// of the base a new branch may take).
    static func job(_ schema: CatchUpSchema, context: [String: Any], templates: CompiledTemplates, image: String,
                    parentContainer: String, dataPath: String, newBase: String) throws -> Job {
        var ctx = context
        ctx["parent"] = ["host": CopyPlanning.parentHost]
        ctx["base"] = ["id": baseID(newBase)]
        ctx["data"] = dataPath
        let anchor = try templates.render(schema.anchor, ctx)
        let argv = try schema.run.map { try templates.render($0, ctx) }.filter { !$0.isEmpty }
        guard !anchor.isEmpty, !argv.isEmpty else { throw DevenvError("copy.layered.catchup renders to nothing") }
        return Job(newAnchor: anchor,
                   anchors: try CopyPlanning.readCommand(schema.anchors, context: context, templates: templates, parentContainer: parentContainer),
                   release: try CopyPlanning.readCommand(schema.release, context: context, templates: templates, parentContainer: parentContainer),
                   argv: argv, env: try schema.env.map { ($0.key, try templates.render($0.template, ctx)) },
                   image: image, parentContainer: parentContainer, dataPath: dataPath)
    }

    /// `anchors`' output (pure): `NAME BYTES` or `NAME lost` per line; other lines are skipped.
    static func parse(_ text: String) -> [Anchor] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { return nil }
            if parts[1] == "lost" { return Anchor(name: String(parts[0]), behind: nil) }
            return Int64(parts[1]).map { Anchor(name: String(parts[0]), behind: $0) }
        }
    }

    /// The parent's anchors; nil when it cannot say (then no base is brought forward).
    static func anchors(_ ctx: DevenvContext, _ job: Job) async -> [Anchor]? {
        guard let r = try? await ctx.runner.capture(job.anchors), r.succeeded else { return nil }
        return parse(r.stdout)
    }

    /// The newest complete base of `parentVolume` whose anchor holds (pure but for the record check).
    static func pick(_ ctx: DevenvContext, parentVolume: String, anchors: [Anchor]) throws -> Need? {
        let held = Dictionary(anchors.compactMap { a in a.behind.map { (a.name, $0) } }, uniquingKeysWith: { a, _ in a })
        return try ctx.engine.volumes(label: "\(LayeredBranch.baseOfLabel)=\(parentVolume)")
            .filter { v in v.labels[anchorLabel].map { held[$0] != nil } == true && BaseVolumes.isComplete(ctx.paths, name: v.name) }
            .sorted { ($0.createdAt ?? "") > ($1.createdAt ?? "") }.first
            .flatMap { v in v.labels[anchorLabel].flatMap { a in held[a].map { Need(base: v.name, anchor: a, behind: $0) } } }
    }

    /// The anchors no base volume names any more (a base removed while its parent was
    /// stopped), released; with the parent's lock held, so no base is being taken meanwhile (a
    /// base whose taking was cut short releases its anchor itself, or goes with its volume).
    static func sweep(_ ctx: DevenvContext, _ job: Job, anchors: [Anchor]) async {
        guard let volumes = try? ctx.engine.volumes(label: anchorLabel) else { return }
        let named = Set(volumes.compactMap { $0.labels[anchorLabel] })
        let orphans = anchors.map(\.name).filter { !named.contains($0) }
        await release(ctx, job.release, orphans)
    }

    /// Runs `release` with `names` appended (nothing when there are none); a failure only leaves
    /// them for the next sweep.
    static func release(_ ctx: DevenvContext, _ release: Command, _ names: [String]) async {
        guard !names.isEmpty else { return }
        var command = release
        command.arguments += names.sorted()
        _ = try? await ctx.runner.capture(command)
    }

    /// One throwaway container of the parent's image in the parent's network namespace, as root,
    /// the branch's data volume at the kind's data path: the catch-up, then (when given) the
    /// branch's rotation, so a branch that catches up costs no container more than one that does
    /// not. `layerBase`: an OverlayFS layer's base, whose root's owner and mode the layer's root
    /// takes first (`RotateCommand.ownerOfBase`). Exits `failedStatus` when the catch-up failed.
    /// Every value goes in by name (`-e NAME`), none in the argv.
    static func command(_ job: Job, volume: String, rotation: RotateCommand.Rendered?, layerBase: String?,
                        labels: [(String, String)]) -> Command {
        var script = layerBase.map { _ in RotateCommand.ownerOfBase(data: job.dataPath, base: RotateCommand.basePath) + " && " } ?? ""
        script += "{ " + job.argv.map(SSHCommands.quote).joined(separator: " ") + " || exit \(failedStatus); }"
        if rotation != nil { script += " && exec \"$@\"" }
        var env = job.env
        for (k, v) in rotation?.env ?? [] where !env.contains(where: { $0.0 == k }) { env.append((k, v)) }
        var args = ["run", "--rm", "--network", "container:\(job.parentContainer)", "--user", "0:0", "--entrypoint", "sh"]
        args += labels.flatMap { ["--label", "\($0.0)=\($0.1)"] }
        for (k, _) in env { args += ["-e", k] }
        args += ["-v", "\(volume):\(job.dataPath)"]
        if let layerBase { args += ["-v", "\(layerBase):\(RotateCommand.basePath):ro"] }
        args += [job.image, "-c", script, "sh"] + (rotation?.argv ?? [])
        return Command("docker", args, environment: Dictionary(env, uniquingKeysWith: { $1 }))
    }

    /// Runs `command`: nil on success, else why (the catch-up's own failure says so).
    static func run(_ ctx: DevenvContext, _ command: Command) async -> String? {
        do {
            let r = try await ctx.runner.capture(command)
            if r.succeeded { return nil }
            let what = r.status == failedStatus ? "bringing the base forward failed" : "exit \(r.status)"
            return what + ": " + BranchCopy.lastLine(r.stderr + "\n" + r.stdout)
        } catch { return "\(error)" }
    }
}

extension CatchUp {
    /// Where a parent that was not running when its bases went keeps the names of their
    /// anchors, released by its next `up` (`releasePending`).
    static func pendingFile(stateDir: String) -> String { stateDir + "/anchors-to-release" }

    /// Releases `anchors` (the anchors of bases just removed) in `parent` if it runs: each of
    /// its running services whose kind has `copy.layered.catchup` is asked (releasing an anchor
    /// a server does not hold does nothing). A parent that is not running gets them in its
    /// `anchors-to-release` file, for its next `up`.
    static func releaseInParent(_ ctx: DevenvContext, parent: String, anchors: [String]) async {
        guard !anchors.isEmpty, let entry = (try? Registry.readOnly(ctx.paths))?.stacks[parent] else { return }
        let running = ((try? ctx.engine.containers(project: parent)) ?? []).filter { $0.state == .running }
        if !running.isEmpty, let (_, plan) = try? BranchCopy.parentStack(ctx, BranchStart.Parent(stack: parent, entry: entry, volumes: [])) {
            await release(ctx, plan: plan, running: running, anchors)
            return
        }
        let file = pendingFile(stateDir: StackPlanner.stateDir(root: entry.root, stack: parent))
        guard FileManager.default.fileExists(atPath: StackPlanner.stateDir(root: entry.root, stack: parent)) else { return }
        let before = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        try? AtomicFile.write(Data((before + anchors.map { $0 + "\n" }.joined()).utf8), to: file, newFileMode: 0o600)
    }

    /// `up` of a stack, once its services are ready: the anchors its `anchors-to-release`
    /// file names are released (when none of its services could be asked, the file stays).
    static func releasePending(_ ctx: DevenvContext, plan: StackPlan) async {
        let file = pendingFile(stateDir: plan.stateDir)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return }
        let names = text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        let running = ((try? ctx.engine.containers(project: plan.identity.stack)) ?? []).filter { $0.state == .running }
        if await release(ctx, plan: plan, running: running, names) { try? FileManager.default.removeItem(atPath: file) }
    }

    /// `anchors` released in each running service of `plan` whose kind has a catch-up; whether
    /// any was asked.
    @discardableResult
    static func release(_ ctx: DevenvContext, plan: StackPlan, running: [ContainerInfo], _ anchors: [String]) async -> Bool {
        var asked = false
        for c in running {
            guard let name = c.service, let s = plan.service(name), let kind = s.kind, let schema = kind.layered?.catchup,
                  let release = try? CopyPlanning.readCommand(schema.release, context: s.context, templates: kind.templates, parentContainer: c.id) else { continue }
            await CatchUp.release(ctx, release, anchors)
            asked = true
        }
        return asked
    }
}
