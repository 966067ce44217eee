import Foundation
import DevenvCore
import DevenvEngine
import DevenvPlan
import DevenvPlatform

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
    /// whose lock the caller holds and whose data is going (`down --volumes` of a parent), nor of
    /// the stacks in `gone` (`down --all --volumes`: their data went, their locks are free again).
    @discardableResult
    public static func prune(_ ctx: DevenvContext, keepNewest: Bool = false, holding: String? = nil, gone: Set<String> = []) async throws -> [String] {
        let bases = try ctx.engine.volumes(label: LayeredBranch.baseOfLabel)
        // Only this home's parents: a stack in its registry, or with a base recorded here. Other
        // homes on the same engine (another user, a test) have their own locks, which are not
        // taken here, and may be making a base this very moment.
        let known = Set(((try? Registry.readOnly(ctx.paths))?.stacks.keys).map(Array.init) ?? [])
        let recorded = Set(bases.filter { isComplete(ctx.paths, name: $0.name) }.compactMap { $0.labels[LayeredBranch.baseStackLabel] })
        let parents = Set(bases.compactMap { $0.labels[LayeredBranch.baseStackLabel] })
            .filter { $0 == holding || gone.contains($0) || known.contains($0) || recorded.contains($0) }
        var removed: [String] = []
        for parent in parents.sorted() {
            let prune = { try await removeUnused(ctx, parent: parent, keepNewest: keepNewest && parent != holding && !gone.contains(parent)) }
            removed += parent == holding ? try await prune() : try await StackLock.ifFree(ctx, stack: parent, prune) ?? []
        }
        return removed
    }

    /// Removes the bases of `parent` no volume is on (but its newest complete one when
    /// `keepNewest`), with its lock held; their names. A base a live background refresh is
    /// taking (`BaseRefresh`) is left.
    static func removeUnused(_ ctx: DevenvContext, parent: String, keepNewest: Bool) async throws -> [String] {
        let used = Set(try ctx.engine.volumes(label: LayeredBranch.baseLabel).compactMap { $0.labels[LayeredBranch.baseLabel] })
        let mine = try ctx.engine.volumes(label: "\(LayeredBranch.baseStackLabel)=\(parent)").filter { !BaseRefresh.beingTaken(ctx.paths, $0) }
        let newest = mine.filter { isComplete(ctx.paths, name: $0.name) }.max { ($0.createdAt ?? "") < ($1.createdAt ?? "") }?.name
        let unused = mine.map(\.name).filter { !used.contains($0) && !(keepNewest && $0 == newest) }.sorted()
        guard !unused.isEmpty else { return [] }
        try await StackRemoval.step(ctx, VolumeCommands.remove(unused), "removing unused bases of \(parent)'s data")
        for name in unused { try? FileManager.default.removeItem(atPath: recordPath(ctx.paths, name)) }
        // Their anchors in the parent go with them (`CatchUp`): it keeps nothing more for them.
        let anchors = mine.filter { unused.contains($0.name) }.compactMap { $0.labels[CatchUp.anchorLabel] }
        await CatchUp.releaseInParent(ctx, parent: parent, anchors: anchors)
        return unused
    }

    /// Removes `names` that exist and are not complete (a base whose making was cut short).
    static func discardIncomplete(_ ctx: DevenvContext, _ names: [String]) async throws {
        guard !names.isEmpty else { return }
        let present = Set(try ctx.engine.volumes(label: LayeredBranch.baseOfLabel).map(\.name))
        let cut = names.filter { present.contains($0) && !isComplete(ctx.paths, name: $0) }
        if !cut.isEmpty { try await StackRemoval.step(ctx, VolumeCommands.remove(cut), "removing an unfinished base") }
    }
}
