import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// How one service's data gets from a parent stack into a new branch stack, decided per
/// service before anything is copied (pure), and the commands the live method runs.
///
/// - `live`: the kind declares `copy.live` (templates/README.md, "Branch copies") and the
///   parent's service runs: a throwaway container of the parent's image, sharing the parent
///   container's network namespace, writes a consistent copy into the new volume while the
///   parent keeps serving.
/// - `stopped`: the parent's service runs but has no live copy (or it failed): it is stopped,
///   its volumes are copied, and it is started again and waited for.
/// - `idle`: the parent's service is not running, so its volumes are consistent as they are:
///   copied without touching the parent.
/// - `layered`: the kind declares `copy.layered` and the parent's service runs: the branch's
///   data volume is an OverlayFS of its own empty layer on a read-only base of the parent's
///   data (`LayeredBranch`); nothing is copied when a base of the parent's present exists.
public enum CopyMethod: String, Sendable, Equatable {
    case live, stopped, idle, layered
}

/// One service's planned copy.
struct CopyJob: Sendable {
    var service: String
    var method: CopyMethod
    /// Its volumes: parent's → branch's.
    var pairs: [BranchCopy.Pair]
    /// The live copy's `docker run`; nil unless `method == .live`.
    var live: Command?
    /// Why a running parent service is stopped instead of copied live.
    var why: String?
    /// Its layered branch, tried first when its kind has `copy.layered` and the parent runs.
    var layered: LayeredBranch.Job?
    /// Why it is copied although its kind layers.
    var notLayered: String?
}

enum CopyPlanning {
    /// Decides each service's method (pure). `running` maps a parent service to its running
    /// container's id; `live` holds the live copy command of each service whose kind has one
    /// (built by `liveCommand`), or the reason it could not be built.
    static func jobs(services: [String], pairs: [BranchCopy.Pair], running: [String: String],
                     live: [String: Result<Command, DevenvError>]) -> [CopyJob] {
        services.map { name in
            let mine = pairs.filter { $0.service == name }
            guard running[name] != nil else { return CopyJob(service: name, method: .idle, pairs: mine) }
            switch live[name] {
            case nil:
                return CopyJob(service: name, method: .stopped, pairs: mine, why: nil)
            case .failure(let e):
                return CopyJob(service: name, method: .stopped, pairs: mine, why: e.message)
            case .success(let command):
                let others = mine.filter { $0.key != dataKey(name) }.map(\.key)
                guard others.isEmpty, mine.count == 1 else {
                    return CopyJob(service: name, method: .stopped, pairs: mine,
                                   why: "its volume\(others.count == 1 ? "" : "s") \(others.joined(separator: ", ")) \(others.count == 1 ? "has" : "have") no live copy")
                }
                return CopyJob(service: name, method: .live, pairs: mine, live: command)
            }
        }
    }

    /// The compose key of a kind's data volume.
    static func dataKey(_ service: String) -> String { StackVolumes.dataKey(service) }

    /// The host name of the parent service inside the live copy's container: it shares the
    /// parent container's network namespace, so the parent is on loopback. Servers' images
    /// commonly trust loopback for what they refuse from other containers (the official
    /// postgres image: `host replication all 127.0.0.1/32 trust`, while replication from the
    /// compose network matches no pg_hba.conf line).
    static let parentHost = "127.0.0.1"

    /// `docker run --rm` of `image` in the network namespace of `parentContainer`, as root,
    /// the branch's new volume `target` mounted at /target, the kind's `copy.live.run` argv
    /// (rendered; empty arguments dropped) and `copy.live.env` passed by name only (`-e NAME`,
    /// the value in the docker CLI's environment), so no secret is in any argv.
    /// `templates`: the kind's, compiled when it loaded.
    static func liveCommand(_ schema: CopySchema, context: [String: Any], templates: CompiledTemplates, image: String, parentContainer: String,
                            target: String?, labels: [(String, String)]) throws -> Command {
        let (argv, env) = try rendered(schema, context: context, templates: templates, what: "copy.live.run")
        let executable = argv[0]
        var args = ["run", "--rm", "--network", "container:\(parentContainer)", "--user", "0:0", "--entrypoint", executable]
        args += labels.flatMap { ["--label", "\($0.0)=\($0.1)"] }
        for (k, _) in env { args += ["-e", k] }
        if let target { args += ["-v", "\(target):/target"] }
        args += [image] + argv.dropFirst()
        return Command("docker", args, environment: Dictionary(env, uniquingKeysWith: { $1 }))
    }

    /// `copy.layered.current` (it mounts nothing and only reads the parent): `docker exec` as
    /// root in `parentContainer` itself, a tenth of a second where a throwaway container of the
    /// same image in its network namespace costs three or four. `{{parent.host}}` is loopback
    /// there too; the env is passed by name only (`-e NAME`), as for `liveCommand`.
    static func readCommand(_ schema: CopySchema, context: [String: Any], templates: CompiledTemplates, parentContainer: String) throws -> Command {
        let (argv, env) = try rendered(schema, context: context, templates: templates, what: "copy.layered.current.run")
        let args = ["exec", "--user", "0:0"] + env.flatMap { ["-e", $0.0] } + [parentContainer] + argv
        return Command("docker", args, environment: Dictionary(env, uniquingKeysWith: { $1 }))
    }

    /// `schema.run` rendered (empty arguments dropped; never empty) and `schema.env`, with the
    /// parent on loopback (`{{parent.host}}`).
    private static func rendered(_ schema: CopySchema, context: [String: Any], templates: CompiledTemplates,
                                 what: String) throws -> (argv: [String], env: [(String, String)]) {
        var ctx = context
        ctx["parent"] = ["host": parentHost]
        let argv = try schema.run.map { try templates.render($0, ctx) }.filter { !$0.isEmpty }
        guard !argv.isEmpty else { throw DevenvError("\(what) renders to nothing") }
        return (argv, try schema.env.map { ($0.key, try templates.render($0.template, ctx)) })
    }
}
