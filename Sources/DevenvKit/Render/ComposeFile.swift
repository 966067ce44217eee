import Foundation

/// The stack's compose file (`.devenv/stacks/<stack>/compose.yaml`, 0600: it holds passwords),
/// rendered from a plan, for the commands that hand the stack to compose.
public enum ComposeFile {
    /// Plans and writes the compose file when it differs. `claim`: reserve ports and
    /// credentials first (the caller holds the stack lock). Without it, a stack that was never
    /// claimed gets no file (`path(for:)` gives a temporary one to use instead).
    @discardableResult
    public static func ensure(_ ctx: DevenvContext, project: Project, claim: Bool) throws -> StackPlan {
        let plan = claim ? try project.claimedPlan(ctx, touch: false) : try project.proposedPlan(ctx)
        if plan.claimed { try write(plan) }
        return plan
    }

    public static func write(_ plan: StackPlan) throws {
        let text = try ComposeRenderer.render(plan)
        if (try? String(contentsOfFile: plan.composeFile, encoding: .utf8)) != text {
            try AtomicFile.write(text, to: plan.composeFile, newFileMode: 0o600)
        }
    }

    /// The compose project to run compose on: the stack's own file for a claimed plan, else a
    /// private temporary copy removed by `cleanup` (read-only commands on a new stack).
    public static func project(for plan: StackPlan) throws -> (project: ComposeProject, cleanup: () -> Void) {
        if plan.claimed { return (ComposeProject(name: plan.identity.stack, file: plan.composeFile), {}) }
        let dir = NSTemporaryDirectory() + "devenv-compose-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = dir + "/compose.yaml"
        try AtomicFile.write(try ComposeRenderer.render(plan), to: file, newFileMode: 0o600)
        return (ComposeProject(name: plan.identity.stack, file: file), { try? FileManager.default.removeItem(atPath: dir) })
    }
}
