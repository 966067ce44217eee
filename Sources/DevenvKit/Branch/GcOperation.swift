import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv gc`: finds every stack on the machine whose project folder is gone, whose worktree
/// was removed or whose branch was deleted (`GcPolicy`), says what it would remove and the
/// disk that frees, asks (or needs `--yes` without a terminal), then removes each stack's
/// labelled containers, networks and volumes and forgets it in the registry. In the stacks it
/// keeps, it deletes the old volumes that upgrades kept (`KeptVolumes`; what `devenv upgrade
/// SERVICE --finish` deletes).
public struct GcOperation {
    public var dryRun = false
    public var yes = false

    public init(dryRun: Bool, yes: Bool) { self.dryRun = dryRun; self.yes = yes }

    public struct Candidate: Sendable {
        public var record: StackRecord
        public var reason: String
    }

    /// The stacks to remove, in `ls` order.
    public func candidates(_ ctx: DevenvContext) async throws -> [Candidate] {
        try ctx.engine.ping()
        return try await candidates(ctx, records: try StackInventory.collect(ctx, sizes: true))
    }

    func candidates(_ ctx: DevenvContext, records: [StackRecord]) async throws -> [Candidate] {
        var branchesByRoot: [String: Set<String>?] = [:]
        var out: [Candidate] = []
        for r in records {
            var isDir: ObjCBool = false
            let exists = !r.root.isEmpty && FileManager.default.fileExists(atPath: r.root, isDirectory: &isDir) && isDir.boolValue
            let isBranch = !(r.branch ?? "").isEmpty
            let workTree = exists && isBranch && GitRefs.isWorkTree(r.root)
            var branches: Set<String>?
            if workTree {
                if let known = branchesByRoot[r.root] { branches = known } else {
                    let result = try? await ctx.runner.capture(GitRefs.localBranchesCommand(root: r.root))
                    branches = result.flatMap { $0.succeeded ? GitRefs.parseLocalBranches($0.stdout) : nil }
                    branchesByRoot[r.root] = .some(branches)
                }
            }
            let facts = GcPolicy.Facts(root: r.root, branch: r.branch, rootExists: exists, isWorkTree: workTree,
                                       localBranches: branches, checkedOut: workTree ? GitInfo.currentBranch(at: r.root) : nil)
            if case .remove(let why) = GcPolicy.verdict(facts) { out.append(Candidate(record: r, reason: why)) }
        }
        return out
    }

    public func run(_ ctx: DevenvContext) async throws {
        try ctx.engine.ping()
        let records = try StackInventory.collect(ctx, sizes: true)
        let found = try await candidates(ctx, records: records)
        let removing = Set(found.map(\.record.stack))
        var kept = KeptVolumes.find(records.filter { !removing.contains($0.stack) })
        if !kept.isEmpty {
            let sizes = ctx.engine.volumeSizes()
            for i in kept.indices { kept[i].bytes = sizes[kept[i].volume] }
        }
        guard !found.isEmpty || !kept.isEmpty else {
            ctx.output.print("Nothing to remove: every stack's project folder, worktree and branch still exist (`devenv ls` lists them), "
                             + "and no upgrade keeps old data.")
            if !dryRun { try await pruneBases(ctx) }
            return
        }
        let total = found.compactMap(\.record.diskBytes).reduce(0, +) + kept.compactMap(\.bytes).reduce(0, +)
        ctx.output.print(dryRun ? "Would remove:" : "To remove:")
        for c in found {
            let r = c.record
            let what = "\(r.containers.count) container\(r.containers.count == 1 ? "" : "s"), \(r.volumes.count) volume\(r.volumes.count == 1 ? "" : "s")"
            ctx.output.print("  \(ctx.output.style(r.stack, .bold)) (project \(r.project)\(r.branch.map { ", branch \($0)" } ?? "")): "
                             + "\(c.reason); \(what), \(Snapshot.humanSize(r.diskBytes ?? 0))")
        }
        for k in kept {
            ctx.output.print("  \(ctx.output.style(k.volume, .bold)) of stack \(k.stack): the \(k.version ?? "old") data of \(k.service), "
                             + "kept since its upgrade to \(k.upgradedTo ?? "a newer version") (`devenv upgrade \(k.service) --rollback` would bring it back), "
                             + Snapshot.humanSize(k.bytes ?? 0))
        }
        let stacks = "\(found.count) stack\(found.count == 1 ? "" : "s")"
        let volumes = "\(kept.count) old volume\(kept.count == 1 ? "" : "s") of upgrades"
        let what = [found.isEmpty ? nil : stacks, kept.isEmpty ? nil : volumes].compactMap { $0 }.joined(separator: " and ")
        if dryRun { ctx.output.print("Would free \(Snapshot.humanSize(total)) (\(what)). Run `devenv gc` to remove them."); return }
        if !yes {
            switch ctx.output.confirm("Remove \(what) and delete their data (\(Snapshot.humanSize(total)))?") {
            case nil:
                throw DevenvError.usage("`gc` deletes stacks and their data and needs --yes when not run on a terminal",
                                        hint: "See what it would remove with `devenv gc --dry-run`, then run `devenv gc --yes`.")
            case false?: ctx.output.print("Nothing removed."); return
            case true?: break
            }
        }
        var freed: Int64 = 0
        for c in found {
            let stack = c.record.stack
            let lock = try lockStack(ctx, stack)
            defer { lock.unlock() }
            let removed = try await StackRemoval.removeResources(ctx, stack: stack, volumes: true)
            await RemoteStack.disconnect(ctx, stack: stack)
            try StackRemoval.forget(ctx, stack: stack, root: c.record.root)
            freed += c.record.diskBytes ?? 0
            ctx.output.print("Removed \(stack): \(removed.containers) container\(removed.containers == 1 ? "" : "s"), "
                             + "\(removed.volumes.count) volume\(removed.volumes.count == 1 ? "" : "s"), \(removed.networks) network\(removed.networks == 1 ? "" : "s").")
        }
        for k in kept {
            let lock = try lockStack(ctx, k.stack)
            defer { lock.unlock() }
            // Under the lock, from the record as it is now: a rollback or finish since is respected.
            let stateDir = StackPlanner.stateDir(root: k.root, stack: k.stack)
            guard try await KeptVolumes.remove(ctx, stateDir: stateDir, key: k.key, expected: k.volume) != nil else { continue }
            freed += k.bytes ?? 0
            ctx.output.print("Removed \(k.volume), the \(k.version ?? "old") data of \(k.service) in stack \(k.stack) from before its upgrade.")
        }
        ctx.output.print("Freed \(Snapshot.humanSize(freed)) (\(what)).")
        try await pruneBases(ctx)
    }

    func lockStack(_ ctx: DevenvContext, _ stack: String) throws -> FileLock {
        try FileLock.acquire(ctx.paths.stackLock(stack)) { ctx.output.error("waiting for another devenv working on stack '\(stack)'…") }
    }

    /// The bases of layered branches that no branch is on any more (copies of a parent's data
    /// that only branches read).
    func pruneBases(_ ctx: DevenvContext) async throws {
        let removed = try await BaseVolumes.prune(ctx)
        if !removed.isEmpty { ctx.output.print("Removed \(removed.count) unused base\(removed.count == 1 ? "" : "s") of layered branches.") }
    }
}
