import Foundation

/// The commands of a kind's `setup:` step for one service: run in its container
/// (`docker compose exec -T`) or in the step's tool image. A step with `each: SETTING` gives
/// one command per item of that list setting, with the item as `{{item}}`.
public enum SetupCommands {
    public static func commands(_ step: SetupStep, service: PlannedService, project: ComposeProject) throws -> [Command] {
        guard let each = step.each else {
            return [try SeedCommands.command(step.run, service.context, service: service, project: project, tool: step.tool, stdinFile: nil)]
        }
        let items = service.context[each] as? [String] ?? []
        return try items.map { item in
            var ctx = service.context
            ctx["item"] = item
            return try SeedCommands.command(step.run, ctx, service: service, project: project, tool: step.tool, stdinFile: nil)
        }
    }
}
