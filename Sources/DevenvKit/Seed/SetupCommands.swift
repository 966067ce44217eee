import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The commands of a kind's `setup:` step for one service: run in its container
/// (`docker compose exec -T`) or in the step's tool image. A step with `each: SETTING` gives
/// one command per item of that list setting, with the item as `{{item}}`.
public enum SetupCommands {
    /// `context`: the service's context and what `up` adds (`fresh`); default the service's own.
    /// `container`: the service's running container, when known (`docker exec` there, else `compose exec`).
    public static func commands(_ step: SetupStep, service: PlannedService, context: [String: Any]? = nil, project: ComposeProject,
                                container: String? = nil) throws -> [Command] {
        let base = context ?? service.context
        guard let each = step.each else {
            return [try SeedCommands.command(step.run, base, service: service, project: project, tool: step.tool, stdinFile: nil, container: container)]
        }
        let items = base[each] as? [String] ?? []
        return try items.map { item in
            var ctx = base
            ctx["item"] = item
            return try SeedCommands.command(step.run, ctx, service: service, project: project, tool: step.tool, stdinFile: nil, container: container)
        }
    }
}
