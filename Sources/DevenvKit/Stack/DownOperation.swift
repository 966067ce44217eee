import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv down`: stop the app's processes, then the stack through compose. Volumes stay
/// unless `volumes`, which asks on a terminal and needs `yes` elsewhere.
public struct DownOperation {
    public var volumes: Bool
    public var yes: Bool
    public var branch: Bool

    public init(volumes: Bool, yes: Bool, branch: Bool) {
        self.volumes = volumes; self.yes = yes; self.branch = branch
    }

    public func run(_ ctx: DevenvContext) async throws {
        try await StackSession.with(ctx, branch: branch) { try await run($0) }
    }

    func run(_ session: StackSession) async throws {
        let ctx = session.ctx, stack = session.stack
        if volumes && !yes {
            switch ctx.output.confirm("Delete all data of stack '\(stack)' (its volumes)?") {
            case nil:
                throw DevenvError.usage("`down --volumes` deletes the stack's data and needs --yes when not run on a terminal",
                                        hint: "Run `devenv down --volumes --yes`.")
            case false?: ctx.output.print("Nothing changed."); return
            case true?: break
            }
        }
        let plan = try ComposeFile.ensure(session, claim: false)
        // The app's processes first: they use the services.
        let stopped = try await ProcessControl.stop(ProcessPaths(stateDir: plan.stateDir))
        if !stopped.isEmpty { ctx.output.print("Stopped processes \(stopped.joined(separator: ", ")).") }
        let containers = try ctx.engine.containers(project: stack)
        // A killed devenv's copy containers (any state, even `created`) hold the stack's volumes.
        try await VolumeTask.removeLeftovers(ctx, stack: stack)
        let (compose, cleanup) = try ComposeFile.project(for: plan)
        defer { cleanup() }
        do { try await ctx.runner.check(Compose.down(compose, volumes: volumes)) }
        catch let f as CommandFailure { throw Compose.explain(f) }
        // Again: the engine may still be creating a container whose `docker run` was killed with
        // devenv just before this `down` (a `created` one appears after the first sweep).
        try await VolumeTask.removeLeftovers(ctx, stack: stack)
        if volumes { try await BranchVolumes.removeRest(ctx, stack: stack, stateDir: plan.stateDir) }
        await RemoteStack.disconnect(ctx, stack: stack)
        if containers.isEmpty && !volumes {
            ctx.output.print("Stack \(stack) was not running.")
        } else {
            ctx.output.print("Stopped stack \(stack)" + (volumes ? " and deleted its data." : "; its data is kept (`devenv down --volumes` deletes it)."))
        }
    }
}
