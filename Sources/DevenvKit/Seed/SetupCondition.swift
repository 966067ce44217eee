import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// When a kind's `setup:` step runs (templates/README.md, "service.yml"): after a start, when
/// its `when:` holds. `when:` is a context key that must be non-empty (a list with items, a
/// non-empty text, `true`), or a template (it contains `{{`) that must render to something
/// other than whitespace. Setup contexts also hold `fresh`: true when this start created the
/// service's data volume, so the image initialised it (the official postgres image creates
/// `POSTGRES_DB` then, and a step can skip what the image did).
public enum SetupCondition {
    /// `templates`: the kind's, compiled when it loaded.
    public static func holds(_ when: String?, _ context: [String: Any], templates: CompiledTemplates) throws -> Bool {
        guard let when else { return true }
        if when.contains("{{") {
            return !(try templates.render(when, context)).allSatisfy(\.isWhitespace)
        }
        let v = context[when]
        if let list = v as? [Any] { return !list.isEmpty }
        if let text = v as? String { return !text.isEmpty }
        return (v as? Bool) == true
    }

    /// The services with a data volume that does not exist yet: starting them initialises it.
    public static func freshServices(_ ctx: DevenvContext, plan: StackPlan, except copied: [String]) throws -> Set<String> {
        let withData = plan.services.filter { !StackVolumes.keys($0, root: plan.manifest.root).isEmpty && !copied.contains($0.name) }
        guard !withData.isEmpty else { return [] }
        let existing = try StackVolumes.existing(ctx.engine, stack: plan.identity.stack)
        return Set(withData.filter { s in
            StackVolumes.keys(s, root: plan.manifest.root).allSatisfy { existing[StackVolumes.name(plan, key: $0)] == nil }
        }.map(\.name))
    }
}
