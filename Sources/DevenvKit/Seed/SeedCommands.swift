import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The commands that apply seeds, built from the kind's `seed:` argv templates
/// (`templates/services/<kind>/service.yml`) and run in the service's container with
/// `docker compose exec -T` (or a tool image's throwaway container), the seed file streamed
/// to stdin (never read into devenv).
public enum SeedCommands {
    /// The command applying `item` to `service`.
    public static func apply(_ item: SeedItem, service: PlannedService, project: ComposeProject) throws -> Command {
        let schema = try schema(service)
        guard schema.formats.indices.contains(item.format) else { throw DevenvError("kind '\(service.kindName)' has no seed format \(item.format)") }
        let ctx = context(service, item)
        return try command(schema.formats[item.format].run, ctx, service: service, project: project, tool: schema.tool, stdinFile: item.path)
    }

    /// The kind's `seed.once` step for `item` and the key it runs once per (`uploads` for a
    /// bucket), or nil when the kind has none.
    public static func once(_ item: SeedItem, service: PlannedService, project: ComposeProject) throws -> (key: String, command: Command)? {
        let schema = try schema(service)
        guard let once = schema.once else { return nil }
        let ctx = context(service, item)
        let key = try templates(service).render(once.per, ctx)
        return (key, try command(once.run, ctx, service: service, project: project, tool: schema.tool, stdinFile: nil))
    }

    static func schema(_ service: PlannedService) throws -> SeedSchema {
        guard let schema = service.kind?.seed else {
            throw DevenvError("service '\(service.name)' (\(service.kindName)) cannot be seeded")
        }
        return schema
    }

    /// The service kind's compiled templates (none for a generic service).
    static func templates(_ service: PlannedService) -> CompiledTemplates { service.kind?.templates ?? CompiledTemplates() }

    static func context(_ service: PlannedService, _ item: SeedItem) -> [String: Any] {
        var ctx = service.context
        ctx["seed"] = item.templateContext
        return ctx
    }

    /// Renders `argv` (an argument that renders to nothing is left out: optional flags such as
    /// `--jsonArray`), in the service's container or the tool image's.
    /// `container`: the service's running container, when known (and nothing goes to stdin): the
    /// command runs there by `docker exec` instead of `compose exec`.
    static func command(_ argv: [String], _ ctx: [String: Any], service: PlannedService, project: ComposeProject,
                        tool: ToolImage?, stdinFile: String?, container: String? = nil) throws -> Command {
        let templates = templates(service)
        let args = try argv.map { try templates.render($0, ctx) }.filter { !$0.isEmpty }
        guard let tool else {
            if let container, stdinFile == nil { return Compose.exec(container: container, args) }
            return Compose.exec(project, service: service.name, args, stdinFile: stdinFile)
        }
        let env = try tool.env.map { ($0.key, try templates.render($0.template, ctx)) }
        return ToolContainer.run(image: tool.image, project: project, environment: env, argv: args, stdinFile: stdinFile)
    }
}

/// A throwaway container of a tool image on the stack's network (`docker run --rm -i`).
/// Variables are passed by name (`-e NAME`) with their values in the docker CLI's own
/// environment, so no value is in any argv.
public enum ToolContainer {
    public static func run(image: String, project: ComposeProject, environment: [(String, String)], argv: [String], stdinFile: String?) -> Command {
        var args = ["run", "--rm", "-i", "--network", "\(project.name)_default", "--label", "dev.devenv.stack=\(project.name)"]
        for (k, _) in environment { args += ["-e", k] }
        return Compose.docker(args + [image] + argv, environment: Dictionary(environment, uniquingKeysWith: { $1 }), stdinFile: stdinFile)
    }
}
