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

    /// `templates`: the kind's, compiled when it loaded. `layerBase`: the base of a layered
    /// (OverlayFS) data volume, mounted read-only so that the layer's root first takes the base
    /// root's owner and mode (`ownerOfBase`), as the layer's mount probe would have given it.
    static func build(argv template: [String], env: [TemplateEntry], context: [String: Any], templates: CompiledTemplates, image: String,
                      volume: String, dataPath: String, labels: [(String, String)], layerBase: String? = nil) throws -> Command {
        let argv = try template.map { try templates.render($0, context) }.filter { !$0.isEmpty }
        guard let executable = argv.first else { throw DevenvError("rotate.run renders to nothing") }
        let values = try env.map { ($0.key, try templates.render($0.template, context)) }
        var args = ["run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", layerBase == nil ? executable : "sh"]
        args += labels.flatMap { ["--label", "\($0.0)=\($0.1)"] }
        for (k, _) in values { args += ["-e", k] }
        args += ["-v", "\(volume):\(dataPath)"]
        if let layerBase { args += ["-v", "\(layerBase):\(Self.basePath):ro"] }
        args.append(image)
        if layerBase != nil { args += ["-c", ownerOfBase(data: dataPath, base: Self.basePath) + " && exec \"$@\"", "sh", executable] }
        args += argv.dropFirst()
        return Command("docker", args, environment: Dictionary(values, uniquingKeysWith: { $1 }))
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
