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
    /// The compose volume keys of a service, its data volume first.
    public static func keys(_ service: PlannedService, root: String) -> [String] {
        var keys: [String] = []
        if service.kind?.dataPath != nil { keys.append("\(service.name)-data") }
        for v in service.spec.volumes {
            if let named = ComposeRenderer.volumeMount(v, root: root, service: service.name).1, !keys.contains(named) { keys.append(named) }
        }
        return keys
    }

    /// The Docker name compose gives volume `key` of `stack`.
    public static func name(stack: String, key: String) -> String { "\(stack)_\(key)" }

    /// The Docker name of volume `key` of the plan's stack: a later generation when
    /// `devenv upgrade` moved it (`VolumeGenerations`), compose's default otherwise.
    public static func name(_ plan: StackPlan, key: String) -> String { plan.volumeNames[key] ?? name(stack: plan.identity.stack, key: key) }

    /// The stack's own volumes as the engine has them (snapshots excluded), by name.
    public static func existing(_ engine: any ContainerEngine, stack: String) throws -> [String: VolumeInfo] {
        var out: [String: VolumeInfo] = [:]
        for v in try engine.volumes(label: "dev.devenv.stack=\(stack)") where v.labels[Snapshot.label] == nil { out[v.name] = v }
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

/// Stops and starts services around a copy of their volumes, and waits until they answer.
enum ServiceRestart {
    static func stop(_ ctx: DevenvContext, project: Project, _ services: [String]) async throws {
        guard !services.isEmpty else { return }
        do { try await ctx.runner.check(Compose.stop(project.composeProject, services: services)) }
        catch let f as CommandFailure { throw Compose.explain(f) }
    }

    /// Starts `services` again and waits until each answers its probe from the host
    /// (`onReady` as each does, with the seconds since the wait began).
    static func start(_ ctx: DevenvContext, project: Project, plan: StackPlan, _ services: [String], timeout: TimeInterval = 120,
                      onReady: @escaping @Sendable (String, Double) -> Void = { _, _ in }) async throws {
        guard !services.isEmpty else { return }
        do { try await ctx.runner.check(Compose.start(project.composeProject, services: services)) }
        catch let f as CommandFailure { throw Compose.explain(f) }
        let probes = plan.services.filter { services.contains($0.name) }.compactMap { s in s.probe.map { (s.name, $0) } }
        for s in services where !probes.contains(where: { $0.0 == s }) { onReady(s, 0) }
        let results = await ReadinessWaiter(prober: ctx.prober).wait(probes, timeout: timeout, onReady: onReady)
        if let (name, result) = results.sorted(by: { $0.key < $1.key }).first(where: { if case .ready = $0.value { return false } else { return true } }) {
            var up = UpOperation()
            up.timeout = timeout
            throw try await up.notReadyError(ctx, project: project, service: name, result: result)
        }
    }
}
