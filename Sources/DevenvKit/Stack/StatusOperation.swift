import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

public enum StatusOperation {
    /// Read-only: the plan is proposed, never claimed (`status` writes nothing).
    public static func run(_ ctx: DevenvContext, branch: Bool) throws -> (StackPlan, StatusReport) {
        let project = try Project.load(ctx, branch: branch)
        let plan = try project.proposedPlan(ctx)
        try ctx.engine.ping()
        let containers = try ctx.engine.containers(project: plan.identity.stack)
        var report = StatusBuilder.build(plan, containers: containers, engine: ctx.engine)
        report.processes = ProcessStatusReader.rows(plan)
        report.pulls = (try? PullRecord.load(stateDir: plan.stateDir)) ?? []
        RemoteStack.annotate(&report, ctx)
        StatusBuilder.annotateData(&report, plan: plan, engine: ctx.engine)
        report.envMismatches = EnvStackMismatch.scan(plan, paths: ctx.paths)
        return (plan, report)
    }
}
