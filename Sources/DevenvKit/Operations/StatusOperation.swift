import Foundation

public enum StatusOperation {
    public static func run(_ ctx: DevenvContext, branch: Bool) throws -> (StackPlan, StatusReport) {
        let project = try Project.load(ctx, branch: branch)
        var planner = project.planner(ctx)
        planner.touch = false
        let plan = try planner.plan(project.manifest, identity: project.identity)
        try ctx.engine.ping()
        let containers = try ctx.engine.containers(project: plan.identity.stack)
        var report = StatusBuilder.build(plan, containers: containers, engine: ctx.engine)
        RemoteStack.annotate(&report, ctx)
        return (plan, report)
    }
}

/// Makes sure the stack's compose file exists and matches the manifest (for `compose`, `down`, `logs`).
public enum ComposeFile {
    @discardableResult
    public static func ensure(_ ctx: DevenvContext, project: Project) throws -> StackPlan {
        var planner = project.planner(ctx)
        planner.touch = false
        let plan = try planner.plan(project.manifest, identity: project.identity)
        let text = try ComposeRenderer.render(plan)
        if (try? String(contentsOfFile: plan.composeFile, encoding: .utf8)) != text {
            try AtomicFile.write(text, to: plan.composeFile, newFileMode: 0o644)
        }
        return plan
    }
}
