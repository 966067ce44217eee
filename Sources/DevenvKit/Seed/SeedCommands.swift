import Foundation

/// The commands that apply seeds, built from the kind's `seed:` argv templates in
/// `templates/services/<kind>/service.yml` and run in the service's container with
/// `docker compose exec -T`, the seed file streamed to stdin (never read into devenv).
public enum SeedCommands {
    /// The command applying `item` to `service`.
    public static func apply(_ item: SeedItem, service: PlannedService, project: ComposeProject) throws -> Command {
        let argv = try render(item.action.templateName, item.action.templateContext, service: service)
        return Compose.exec(project, service: service.name, argv, stdinFile: item.path)
    }

    /// MinIO: creates `bucket` if it is missing (before its objects are uploaded).
    public static func createBucket(_ bucket: String, service: PlannedService, project: ComposeProject) throws -> Command {
        Compose.exec(project, service: service.name, try render("bucket", ["bucket": bucket], service: service))
    }

    /// Renders the kind's template `name` against the service's context plus `{{seed.…}}`.
    /// An argument that renders to nothing is left out (optional flags such as `--jsonArray`).
    static func render(_ name: String, _ seed: [String: Any], service: PlannedService) throws -> [String] {
        guard let kind = service.kind else {
            throw DevenvError("service '\(service.name)' is an image without a kind; it cannot be seeded")
        }
        guard let template = kind.seed[name], !template.isEmpty else {
            throw DevenvError("kind '\(kind.name)' has no seed command '\(name)'",
                              hint: "Add `seed: { \(name): [argv…] }` to \(kind.folder)/service.yml.")
        }
        var ctx = service.context
        for (k, v) in service.values { ctx[k] = v }
        ctx["seed"] = seed
        return try template.map { try Templating.render($0, ctx) }.filter { !$0.isEmpty }
    }
}
