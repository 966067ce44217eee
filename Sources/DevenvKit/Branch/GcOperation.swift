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
    /// Print nothing as it goes (`--json` prints the outcome instead); asks nothing.
    public var quiet = false

    public init(dryRun: Bool, yes: Bool, quiet: Bool = false) { self.dryRun = dryRun; self.yes = yes; self.quiet = quiet }

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

    @discardableResult
    public func run(_ ctx: DevenvContext) async throws -> GcOutcome {
        if quiet, !dryRun, !yes {
            throw DevenvError.usage("`gc --json` asks nothing: add --dry-run to list, or --yes to remove",
                                    hint: "devenv gc --dry-run --json, then devenv gc --yes --json")
        }
        let say: (String) -> Void = quiet ? { _ in } : { ctx.output.print($0) }
        try ctx.engine.ping()
        let records = try StackInventory.collect(ctx, sizes: true)
        let found = try await candidates(ctx, records: records)
        let removing = Set(found.map(\.record.stack))
        // Only this home's stacks (in its registry): another home's kept volumes (another user,
        // a test running beside) are that home's to finish or roll back.
        var kept = KeptVolumes.find(records.filter { !removing.contains($0.stack) && $0.inRegistry })
        if !kept.isEmpty {
            let sizes = ctx.engine.volumeSizes()
            for i in kept.indices { kept[i].bytes = sizes[kept[i].volume] }
        }
        var outcome = GcOutcome(dryRun: dryRun, stacks: found.map(GcOutcome.Stack.init), upgradeVolumes: kept.map(GcOutcome.UpgradeVolume.init))
        guard !found.isEmpty || !kept.isEmpty else {
            say("Nothing to remove: every stack's project folder, worktree and branch still exist (`devenv ls` lists them), "
                      + "and no upgrade keeps old data.")
            if !dryRun { outcome.basesRemoved = try await pruneBases(ctx, say) }
            return outcome
        }
        let total = found.compactMap(\.record.diskBytes).reduce(0, +) + kept.compactMap(\.bytes).reduce(0, +)
        say(dryRun ? "Would remove:" : "To remove:")
        for c in found {
            let r = c.record
            let what = "\(r.containers.count) container\(r.containers.count == 1 ? "" : "s"), \(r.volumes.count) volume\(r.volumes.count == 1 ? "" : "s")"
            say("  \(ctx.output.style(r.stack, .bold)) (project \(r.project)\(r.branch.map { ", branch \($0)" } ?? "")): "
                             + "\(c.reason); \(what), \(Snapshot.humanSize(r.diskBytes ?? 0))")
        }
        for k in kept {
            say("  \(ctx.output.style(k.volume, .bold)) of stack \(k.stack): the \(k.version ?? "old") data of \(k.service), "
                             + "kept since its upgrade to \(k.upgradedTo ?? "a newer version") (`devenv upgrade \(k.service) --rollback` would bring it back), "
                             + Snapshot.humanSize(k.bytes ?? 0))
        }
        let stacks = "\(found.count) stack\(found.count == 1 ? "" : "s")"
        let volumes = "\(kept.count) old volume\(kept.count == 1 ? "" : "s") of upgrades"
        let what = [found.isEmpty ? nil : stacks, kept.isEmpty ? nil : volumes].compactMap { $0 }.joined(separator: " and ")
        if dryRun { say("Would free \(Snapshot.humanSize(total)) (\(what)). Run `devenv gc` to remove them."); return outcome }
        if !yes {
            switch ctx.output.confirm("Remove \(what) and delete their data (\(Snapshot.humanSize(total)))?") {
            case nil:
                throw DevenvError.usage("`gc` deletes stacks and their data and needs --yes when not run on a terminal",
                                        hint: "See what it would remove with `devenv gc --dry-run`, then run `devenv gc --yes`.")
            case false?: say("Nothing removed."); return outcome
            case true?: break
            }
        }
        var freed: Int64 = 0
        // Each stack under its own lock, one after another (stacks the registry names: no session).
        for c in found {
            let stack = c.record.stack
            let removed = try await StackLock.with(ctx, stack: stack) {
                let removed = try await StackRemoval.removeResources(ctx, stack: stack, volumes: true)
                await RemoteStack.disconnect(ctx, stack: stack)
                try StackRemoval.forget(ctx, stack: stack, root: c.record.root)
                return removed
            }
            freed += c.record.diskBytes ?? 0
            outcome.removedStacks.append(stack)
            say("Removed \(stack): \(removed.containers) container\(removed.containers == 1 ? "" : "s"), "
                             + "\(removed.volumes.count) volume\(removed.volumes.count == 1 ? "" : "s"), \(removed.networks) network\(removed.networks == 1 ? "" : "s").")
        }
        for k in kept {
            // Under the lock, from the record as it is now: a rollback or finish since is respected.
            let stateDir = StackPlanner.stateDir(root: k.root, stack: k.stack)
            guard try await StackLock.with(ctx, stack: k.stack, {
                try await KeptVolumes.remove(ctx, stateDir: stateDir, key: k.key, expected: k.volume)
            }) != nil else { continue }
            freed += k.bytes ?? 0
            outcome.removedVolumes.append(k.volume)
            say("Removed \(k.volume), the \(k.version ?? "old") data of \(k.service) in stack \(k.stack) from before its upgrade.")
        }
        say("Freed \(Snapshot.humanSize(freed)) (\(what)).")
        outcome.freedBytes = freed
        outcome.basesRemoved = try await pruneBases(ctx, say)
        return outcome
    }

    /// The bases of layered branches that no branch is on any more (copies of a parent's data
    /// that only branches read).
    func pruneBases(_ ctx: DevenvContext, _ say: (String) -> Void) async throws -> Int {
        let removed = try await BaseVolumes.prune(ctx)
        if !removed.isEmpty { say("Removed \(removed.count) unused base\(removed.count == 1 ? "" : "s") of layered branches.") }
        return removed.count
    }
}

/// What `gc` found and did (`gc --json`).
public struct GcOutcome: Encodable, Sendable {
    public struct Stack: Encodable, Sendable {
        public var stack, project, root, reason: String
        public var branch: String?
        public var containers, volumes: Int
        public var bytes: Int64?
        init(_ c: GcOperation.Candidate) {
            stack = c.record.stack; project = c.record.project; root = c.record.root; reason = c.reason; branch = c.record.branch
            containers = c.record.containers.count; volumes = c.record.volumes.count; bytes = c.record.diskBytes
        }
    }
    public struct UpgradeVolume: Encodable, Sendable {
        public var volume, stack, service: String
        public var version, upgradedTo: String?
        public var bytes: Int64?
        init(_ k: KeptVolume) { volume = k.volume; stack = k.stack; service = k.service; version = k.version; upgradedTo = k.upgradedTo; bytes = k.bytes }
        enum CodingKeys: String, CodingKey { case volume, stack, service, version, upgradedTo = "upgraded_to", bytes }
    }
    public var dryRun: Bool
    /// Stacks whose folder, worktree or branch is gone (to remove, or removed).
    public var stacks: [Stack]
    /// Old volumes upgrades kept, in the stacks that stay.
    public var upgradeVolumes: [UpgradeVolume]
    public var removedStacks: [String] = []
    public var removedVolumes: [String] = []
    public var basesRemoved = 0
    public var freedBytes: Int64 = 0

    enum CodingKeys: String, CodingKey {
        case dryRun = "dry_run", stacks, upgradeVolumes = "upgrade_volumes", removedStacks = "removed_stacks",
             removedVolumes = "removed_volumes", basesRemoved = "bases_removed", freedBytes = "freed_bytes"
    }
}
