import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv compose ARGS…`: docker compose with this stack's file and project name.
///
/// Only subcommands that can create containers claim the stack's ports and credentials (under
/// the stack lock); every other one (`config`, `ps`, `logs`, …) plans read-only and, for a stack
/// `up` never claimed, runs on a private temporary copy of the file, writing nothing.
public enum ComposePassthrough {
    static let creating: Set<String> = ["up", "create", "run", "start", "restart", "scale", "watch"]

    /// The compose subcommand in `args` (the first word that is not an option).
    static func subcommand(_ args: [String]) -> String? { args.first { !$0.hasPrefix("-") } }

    public static func run(_ ctx: DevenvContext, _ args: [String]) async throws -> Int32 {
        let project = try Project.load(ctx)
        if let sub = subcommand(args), creating.contains(sub) {
            // Claimed under the lock; compose runs after it is released, as long as it likes.
            let plan = try StackSession.with(ctx, project: project, ping: false) { try ComposeFile.ensure($0) }
            return try await ctx.runner.attach(Compose.passthrough(ComposeProject(name: plan.identity.stack, file: plan.composeFile), args))
        }
        let plan = try ComposeFile.ensure(ctx, project: project)
        let (compose, cleanup) = try ComposeFile.project(for: plan)
        defer { cleanup() }
        return try await ctx.runner.attach(Compose.passthrough(compose, args))
    }
}
