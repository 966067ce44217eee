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
        // The volumes are listed while the containers are (each is one Engine API round trip).
        let engine = ctx.engine, stack = plan.identity.stack
        let listing = DispatchGroup(), volumes = Locked<[String: VolumeInfo]?>(nil)
        DispatchQueue.global().async(group: listing) { volumes.with { $0 = try? StackVolumes.existing(engine, stack: stack) } }
        try ctx.engine.ping()
        let containers = try ctx.engine.containers(project: plan.identity.stack)
        var report = StatusBuilder.build(plan, containers: containers, engine: ctx.engine)
        report.processes = ProcessStatusReader.rows(plan)
        report.pulls = (try? PullRecord.load(stateDir: plan.stateDir)) ?? []
        RemoteStack.annotate(&report, ctx)
        listing.wait()
        StatusBuilder.annotateData(&report, plan: plan, volumes: volumes.with { $0 })
        report.envMismatches = EnvStackMismatch.scan(plan, paths: ctx.paths)
        return (plan, report)
    }
}
