import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// The command a kind's `rotate.run` becomes (pure): `docker run --rm` of the service's image
/// without a network, as root, the branch's copied data volume mounted at the kind's `data:`
/// path, `rotate.run` rendered (empty arguments dropped) and `rotate.env` passed by name only
/// (`-e NAME`, the value in the docker CLI's environment), so no secret is in any argv.
enum RotateCommand {
    /// The context `rotate:` renders against: the branch's service context (its new secrets
    /// and values), `old.*` (the same values rendered with the parent's secrets, which the
    /// copied data was initialised with) and `data` (where the data volume is mounted).
    static func context(new: [String: Any], old: [String: Any], dataPath: String) -> [String: Any] {
        var ctx = new
        ctx["old"] = old
        ctx["data"] = dataPath
        return ctx
    }

    /// A kind's `rotate.run` rendered for one branch volume: what `command` runs.
    struct Rendered: Sendable {
        var argv: [String]
        var env: [(String, String)]
        var image: String
        var volume: String
        var dataPath: String
    }

    /// `rotate.run` and `rotate.env` rendered (empty arguments dropped; never empty).
    /// `templates`: the kind's, compiled when it loaded.
    static func render(argv template: [String], env: [TemplateEntry], context: [String: Any], templates: CompiledTemplates, image: String,
                       volume: String, dataPath: String) throws -> Rendered {
        let argv = try template.map { try templates.render($0, context) }.filter { !$0.isEmpty }
        guard !argv.isEmpty else { throw DevenvError("rotate.run renders to nothing") }
        let values = try env.map { ($0.key, try templates.render($0.template, context)) }
        return Rendered(argv: argv, env: values, image: image, volume: volume, dataPath: dataPath)
    }

    static func build(argv template: [String], env: [TemplateEntry], context: [String: Any], templates: CompiledTemplates, image: String,
                      volume: String, dataPath: String, labels: [(String, String)], layerBase: String? = nil) throws -> Command {
        command(try render(argv: template, env: env, context: context, templates: templates, image: image, volume: volume, dataPath: dataPath),
                labels: labels, layerBase: layerBase)
    }

    /// `layerBase`: the base of a layered (OverlayFS) data volume, mounted read-only so that the
    /// layer's root first takes the base root's owner and mode (`ownerOfBase`), as the layer's
    /// mount probe would have given it. `clone`: a base volume to reflink-clone into the (new,
    /// empty) data volume first, in the same container, by `script` (the Branch stage's
    /// `ReflinkClone.script` from `basePath` into the data path, whose own exit statuses say why
    /// a clone failed), so a reflink branch costs one throwaway container.
    static func command(_ r: Rendered, labels: [(String, String)], layerBase: String? = nil,
                        clone: (base: String, script: String)? = nil) -> Command {
        let prelude: String? = if layerBase != nil { ownerOfBase(data: r.dataPath, base: basePath) + " && " }
            else if let clone { clone.script + "; " } else { nil }
        let cloneFrom = clone?.base
        var args = ["run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", prelude == nil ? r.argv[0] : "sh"]
        args += labels.flatMap { ["--label", "\($0.0)=\($0.1)"] }
        for (k, _) in r.env { args += ["-e", k] }
        args += ["-v", "\(r.volume):\(r.dataPath)"]
        if let base = layerBase ?? cloneFrom { args += ["-v", "\(base):\(Self.basePath):ro"] }
        args.append(r.image)
        if let prelude { args += ["-c", prelude + "exec \"$@\"", "sh", r.argv[0]] }
        args += r.argv.dropFirst()
        return Command("docker", args, environment: Dictionary(r.env, uniquingKeysWith: { $1 }))
    }

    /// Where a layered volume's base is mounted for the rotation.
    static let basePath = "/devenv-base"

    /// The shell line that gives a layered volume's root (`data`, mounted) its base root's owner
    /// and mode (`base`): OverlayFS shows the upper folder's, and a server checks its data
    /// folder's (Postgres wants 0700). Fails when the layer does not mount or shows nothing.
    static func ownerOfBase(data: String, base: String) -> String {
        "ls -A \(data) | grep -q . && chown \"$(stat -c %u:%g \(base))\" \(data) && chmod \"$(stat -c %a \(base))\" \(data)"
    }
}
