import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv down --all`: every stack of this project — the project stack and each branch or
/// worktree stack, wherever its folder is — found in the registry and by the
/// `dev.devenv.project` label. Each goes down through compose with its own file; a stack
/// whose file is gone is removed by its labels. Volumes stay unless `volumes` (asks first).
public struct DownAllOperation {
    public var volumes: Bool
    public var yes: Bool

    public init(volumes: Bool, yes: Bool) { self.volumes = volumes; self.yes = yes }

    public func run(_ ctx: DevenvContext) async throws {
        let project = try Project.load(ctx)
        try ctx.engine.ping()
        let name = project.manifest.name
        let records = try StackInventory.collect(ctx, sizes: false).filter { $0.project == name }
        guard !records.isEmpty else { ctx.output.print("Project \(name) has no stacks."); return }
        if volumes && !yes {
            let list = records.map(\.stack).joined(separator: ", ")
            switch ctx.output.confirm("Delete all data of the \(records.count) stack(s) of project \(name) (\(list))?") {
            case nil:
                throw DevenvError.usage("`down --all --volumes` deletes the data of every stack of the project and needs --yes when not run on a terminal",
                                        hint: "Run `devenv down --all --volumes --yes`.")
            case false?: ctx.output.print("Nothing changed."); return
            case true?: break
            }
        }
        for r in records {
            if !r.root.isEmpty {
                let stopped = try await ProcessControl.stop(ProcessPaths(stateDir: StackPlanner.stateDir(root: r.root, stack: r.stack)))
                if !stopped.isEmpty { ctx.output.print("Stopped processes \(stopped.joined(separator: ", ")) of stack \(r.stack).") }
            }
            if r.containers.isEmpty && r.volumes.isEmpty && r.networks.isEmpty {
                await RemoteStack.disconnect(ctx, stack: r.stack)
                ctx.output.print("Stack \(r.stack) was not running and holds no data.")
                continue
            }
            // Each stack under its own lock, one after another (a stack the registry names: no session).
            try await StackLock.with(ctx, stack: r.stack) { try await down(ctx, r) }
        }
        // With every stack's data gone, the bases of layered branches they held go too: while a
        // parent went down its branches still stood on its base, and a branch keeps its parent's newest.
        if volumes { try await BaseVolumes.prune(ctx, keepNewest: true, gone: Set(records.map(\.stack))) }
    }

    func down(_ ctx: DevenvContext, _ r: StackRecord) async throws {
        if let file = r.composeFile, FileManager.default.fileExists(atPath: file) {
            do { try await ctx.runner.check(Compose.down(ComposeProject(name: r.stack, file: file), volumes: volumes)) }
            catch let f as CommandFailure { throw Compose.explain(f) }
        } else {
            try await StackRemoval.removeResources(ctx, stack: r.stack, volumes: volumes)
        }
        if volumes {   // what compose does not remove: a killed copy's volumes, the copy journal (as `down --volumes`)
            try await BranchVolumes.removeRest(ctx, stack: r.stack, stateDir: r.root.isEmpty ? nil : StackPlanner.stateDir(root: r.root, stack: r.stack),
                                               pruneBases: false)   // once every stack is down (`run`)
        }
        await RemoteStack.disconnect(ctx, stack: r.stack)
        if r.containers.isEmpty && !volumes {
            ctx.output.print("Stack \(r.stack) was not running.")
        } else {
            ctx.output.print("Stopped stack \(r.stack)" + (volumes ? " and deleted its data." : "; its data is kept."))
        }
    }
}
