import Foundation
import DevenvCore
import DevenvEngine
import DevenvPlan

/// One command's work on its project's stack, so that every command that changes a stack
/// starts the same way: the project loaded (`--branch` or not), the engine pinged, the stack's
/// lock held (`StackLock`: one waiting message, the child guard), and the claim made once,
/// when the command first asks for the plan — after what must come before it (`up` finishes a
/// killed branch copy and gives a new branch its own secrets first).
///
/// A session exists only inside `with { session in … }`, which releases the lock on every path
/// out of it: a closure rather than a value with an `end()`, so no command can forget to end
/// it, and a plan is never used under a lock other than the one it was claimed under.
public final class StackSession {
    public let ctx: DevenvContext
    public let project: Project
    public var stack: String { project.identity.stack }
    private var proposal: (claims: Claims, plan: StackPlan)?
    private var claimed: StackPlan?

    init(_ ctx: DevenvContext, project: Project) { self.ctx = ctx; self.project = project }

    /// Loads the project (every manifest problem first, exit 2), then as `with(_:project:)`.
    public static func with<T>(_ ctx: DevenvContext, branch: Bool = false, quiet: Bool = false,
                               _ body: (StackSession) async throws -> T) async throws -> T {
        try await with(ctx, project: try Project.load(ctx, branch: branch), quiet: quiet, body)
    }

    /// Runs `body` in a session on the stack of `project`, loaded and checked by the caller (its
    /// usage errors come before the engine and the lock). `ping`: the engine is asked first
    /// (false: the command asked already, or writes only files). `quiet`: no waiting message.
    public static func with<T>(_ ctx: DevenvContext, project: Project, ping: Bool = true, quiet: Bool = false,
                               _ body: (StackSession) async throws -> T) async throws -> T {
        if ping { try ctx.engine.ping() }
        return try await StackLock.with(ctx, stack: project.identity.stack, quiet: quiet) { try await body(StackSession(ctx, project: project)) }
    }

    /// The same for work that runs nothing under the lock (a claim, a ledger).
    public static func with<T>(_ ctx: DevenvContext, project: Project, ping: Bool = true, quiet: Bool = false,
                               _ body: (StackSession) throws -> T) throws -> T {
        if ping { try ctx.engine.ping() }
        return try StackLock.with(ctx, stack: project.identity.stack, quiet: quiet) { try body(StackSession(ctx, project: project)) }
    }

    /// The plan from what the stack has, or would get, claiming nothing (`down`; `up` before
    /// its claim). Made once in a session.
    public func proposedPlan() throws -> StackPlan {
        if let proposal { return proposal.plan }
        let claims = try project.proposedClaims(ctx)
        let plan = try project.plan(claims)
        proposal = (claims, plan)
        return plan
    }

    /// Reserves the stack's ports and credentials and plans with them, once: later calls give
    /// the same plan. A plan proposed earlier in the session is kept when the claim reserved
    /// just what it proposed, so `up` plans once: the claim stores the proposal's secrets for a
    /// new stack, and allocates ports the same way. A port taken in between, or a branch given
    /// its own secrets since, is planned again.
    /// `touch`: counts as using the stack (`up`; its last use is now).
    public func claimedPlan(touch: Bool = false) throws -> StackPlan {
        if let claimed { return claimed }
        let claims = try project.claimedClaims(ctx, touch: touch, proposed: proposal?.claims.secrets ?? [:])
        let plan = try proposal.flatMap { p -> StackPlan? in
            guard p.claims.ports == claims.ports, p.claims.secrets == claims.secrets else { return nil }
            var plan = p.plan
            plan.claimed = true
            return plan
        } ?? project.plan(claims)
        claimed = plan
        return plan
    }

    /// Claims again, after something changed what the claim or the plan reads: `releasing`
    /// ports someone else took (`up` moves them), or a journal that changed the volumes.
    public func reclaim(releasing keys: [String] = [], touch: Bool = false) throws -> StackPlan {
        if !keys.isEmpty { try project.claim(ctx).release(keys, stack: stack) }
        (proposal, claimed) = (nil, nil)
        return try claimedPlan(touch: touch)
    }
}
