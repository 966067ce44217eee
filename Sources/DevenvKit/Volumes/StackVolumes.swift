import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The named volumes that hold a stack's data: each kind's data volume (`<service>-data`)
/// and the named volumes a service lists under `volumes:`. Compose names them
/// `<stack>_<key>` and labels them `dev.devenv.stack` and `com.docker.compose.volume`.
public enum StackVolumes {
    /// The label a snapshot's volumes carry (`Snapshot.label`): they are not the stack's own.
    public static let snapshotLabel = "dev.devenv.snapshot"

    /// The compose volume keys of a service, its data volume first.
    public static func keys(_ service: PlannedService, root: String) -> [String] {
        var keys: [String] = []
        if service.kind?.dataPath != nil { keys.append("\(service.name)-data") }
        for v in service.spec.volumes {
            if let named = mount(v, root: root, service: service.name).1, !keys.contains(named) { keys.append(named) }
        }
        return keys
    }

    /// A manifest volume: `NAME:/path` is a named volume of the stack (declared with labels);
    /// `./dir:/path` or `/dir:/path` is a bind mount, resolved against the project root.
    static func mount(_ spec: String, root: String, service: String) -> (String, String?) {
        guard let colon = spec.firstIndex(of: ":") else { return (spec, nil) }
        let source = String(spec[..<colon])
        let rest = String(spec[colon...])
        if source.hasPrefix("/") { return (spec, nil) }
        if source.hasPrefix(".") || source.contains("/") || source.hasPrefix("~") {
            let path = source.hasPrefix("~") ? source : URL(fileURLWithPath: root).appendingPathComponent(source).standardizedFileURL.path
            return (path + rest, nil)
        }
        return (spec, source)
    }

    /// The Docker name compose gives volume `key` of `stack`.
    public static func name(stack: String, key: String) -> String { "\(stack)_\(key)" }

    /// The Docker name of volume `key` of the plan's stack: a later generation when
    /// `devenv upgrade` moved it (`VolumeGenerations`), compose's default otherwise.
    public static func name(_ plan: StackPlan, key: String) -> String { plan.volumeNames[key] ?? name(stack: plan.identity.stack, key: key) }

    /// The stack's own volumes as the engine has them (snapshots excluded), by name.
    public static func existing(_ engine: any ContainerEngine, stack: String) throws -> [String: VolumeInfo] {
        var out: [String: VolumeInfo] = [:]
        for v in try engine.volumes(label: "dev.devenv.stack=\(stack)") where v.labels[snapshotLabel] == nil { out[v.name] = v }
        return out
    }

    /// (service, key, volume name) for each data volume of `services` that exists.
    public static func present(_ plan: StackPlan, services: [PlannedService], existing: [String: VolumeInfo]) -> [(service: PlannedService, key: String, volume: String)] {
        services.flatMap { s in
            keys(s, root: plan.manifest.root).compactMap { key in
                let name = name(plan, key: key)
                return existing[name] == nil ? nil : (s, key, name)
            }
        }
    }
}

extension StackVolumes {
    /// The key of a service's data volume (the one a branch copies, layers or clones).
    static func dataKey(_ service: String) -> String { "\(service)-data" }

    /// Labels of a branch's data volume: how it was made (`reflink`, `overlay`, `copy`) and
    /// from which stack; `status` and `up --json` report them.
    static let dataMethodLabel = "dev.devenv.data-method", dataFromLabel = "dev.devenv.data-from"
    /// A layered volume's base (label of the layered volume).
    static let layerBaseLabel = "dev.devenv.base"
}
