import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Every stack on this machine, across projects: the registry's entries joined with what
/// the engine holds under devenv's labels (containers, volumes — snapshots included — and
/// networks), so a stack the registry lost is still found. `devenv ls`, `gc` and
/// `down --all` start here.
public struct StackRecord: Encodable, Sendable {
    public var stack: String
    public var project: String
    /// The project (or worktree) folder; empty when neither the registry nor a label says.
    public var root: String
    /// The git branch of a branch stack; nil for a project stack.
    public var branch: String?
    /// `running` (a container runs), `stopped` (containers or volumes, none running) or
    /// `missing` (the registry knows it, the engine holds nothing).
    public var state: String
    /// Host port per service port key (`postgres`, `minio.console`).
    public var ports: [String: Int]
    /// Bytes used by its volumes; nil when the engine does not say.
    public var diskBytes: Int64?
    public var lastUsed: Date?
    /// The compose file the registry remembers.
    public var composeFile: String?
    public var inRegistry: Bool
    /// The engine it runs on (`unix:///var/run/docker.sock`, `ssh://me@box`): recorded by `up`,
    /// else the engine it was found on. Set by ``StackEngines/collect(_:sizes:)`` (`ls`).
    public var engine: String? = nil
    public var containers: [String]
    public var volumes: [String]
    public var networks: [String]

    enum CodingKeys: String, CodingKey {
        case stack, project, root, branch, state, ports, diskBytes = "disk_bytes", lastUsed = "last_used", engine
    }

    /// DESIGN's `ls --json` shape: `{"stack","project","root","branch","state","ports","disk_bytes","last_used"}`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(stack, forKey: .stack)
        try c.encode(project, forKey: .project)
        try c.encode(root, forKey: .root)
        try c.encode(branch, forKey: .branch)
        try c.encode(state, forKey: .state)
        try c.encode(ports, forKey: .ports)
        try c.encode(diskBytes, forKey: .diskBytes)
        try c.encode(lastUsed.map { ISO8601DateFormatter().string(from: $0) }, forKey: .lastUsed)
        try c.encodeIfPresent(engine, forKey: .engine)
    }
}

public enum StackInventory {
    static let stackLabel = "dev.devenv.stack"

    /// Every stack, sorted by project then stack. `sizes`: ask the engine for volume sizes
    /// (`GET /system/df`, which walks the volumes: slower).
    public static func collect(_ ctx: DevenvContext, sizes: Bool) throws -> [StackRecord] {
        let registry = try Registry.load(ctx.paths)
        let containers = try ctx.engine.containers(label: stackLabel)
        let volumes = try ctx.engine.volumes(label: stackLabel)
        let networks = try ctx.engine.networks(label: stackLabel)
        let usage = sizes && !volumes.isEmpty ? ctx.engine.volumeSizes() : [:]
        return merge(registry: registry, containers: containers, volumes: volumes, networks: networks, sizes: sizes ? usage : nil)
    }

    /// Joins the registry with the engine's labelled resources (pure: unit-tested).
    static func merge(registry: Registry, containers: [ContainerInfo], volumes: [VolumeInfo], networks: [NetworkInfo],
                      sizes: [String: Int64]?) -> [StackRecord] {
        var records: [String: StackRecord] = [:]
        for (name, e) in registry.stacks {
            records[name] = StackRecord(stack: name, project: e.project, root: e.root, branch: e.branch, state: "missing", ports: e.ports,
                                        diskBytes: nil, lastUsed: e.lastUsed, composeFile: e.composeFile, inRegistry: true,
                                        containers: [], volumes: [], networks: [])
        }
        func record(_ labels: [String: String]) -> String? {
            guard let stack = labels[stackLabel], !stack.isEmpty else { return nil }
            if records[stack] == nil {
                let branch = labels["dev.devenv.branch"].flatMap { $0.isEmpty ? nil : $0 }
                records[stack] = StackRecord(stack: stack, project: labels["dev.devenv.project"] ?? "", root: labels["dev.devenv.root"] ?? "",
                                             branch: branch, state: "missing", ports: [:], diskBytes: nil, lastUsed: nil, composeFile: nil,
                                             inRegistry: false, containers: [], volumes: [], networks: [])
            }
            return stack
        }
        for c in containers {
            guard let s = record(c.labels) else { continue }
            records[s]!.containers.append(c.id)
            if c.runState == .running { records[s]!.state = "running" }
            else if records[s]!.state == "missing" { records[s]!.state = "stopped" }
            if !records[s]!.inRegistry, let svc = c.service, let port = c.ports.compactMap(\.publicPort).min() {
                records[s]!.ports[svc] = port
            }
        }
        for v in volumes {
            guard let s = record(v.labels) else { continue }
            records[s]!.volumes.append(v.name)
            if records[s]!.state == "missing" { records[s]!.state = "stopped" }
        }
        for n in networks {
            guard let s = record(n.labels) else { continue }
            records[s]!.networks.append(n.id)
        }
        if let sizes {
            for (name, r) in records where !r.volumes.isEmpty {
                let known = r.volumes.compactMap { sizes[$0] }
                records[name]!.diskBytes = known.isEmpty ? nil : known.reduce(0, +)
            }
            for (name, r) in records where r.volumes.isEmpty { records[name]!.diskBytes = 0 }
        }
        return records.values.map { var r = $0; r.volumes.sort(); r.containers.sort(); return r }
            .sorted { ($0.project, $0.stack) < ($1.project, $1.stack) }
    }
}
