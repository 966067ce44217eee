import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Which major version wrote a service's data, read from the data volume before any container
/// starts (`upgrade.version.file` of the kind, through a throwaway container of the service's
/// image, read-only, no network), and what `up` says when it is not the manifest's.
public enum DataVersion {
    /// `docker run --rm … sh -c 'head -n 1 /data/FILE'`: the first line of the first of `files`
    /// that exists, or nothing when the data folder has none yet (pure).
    public static func readCommand(volume: String, image: String, files: [String], labels: [(String, String)] = []) -> Command {
        VolumeCommands.throwaway(image: image, mounts: ["\(volume):/data:ro"], labels: labels,
                                 script: "for f in \(files.map { "'/data/\($0)'" }.joined(separator: " ")); do if [ -f \"$f\" ]; then head -n 1 \"$f\"; break; fi; done")
    }

    /// The kind's way: its `version.run` script (the data read-only at /data), else its files.
    public static func readCommand(volume: String, image: String, schema: UpgradeSchema, labels: [(String, String)] = []) -> Command {
        guard let script = schema.versionScript else { return readCommand(volume: volume, image: image, files: schema.versionFiles, labels: labels) }
        return VolumeCommands.throwaway(image: image, mounts: ["\(volume):/data:ro"], labels: labels, script: script)
    }

    /// The same read by `docker exec` in a running container that has the volume at `dataPath`
    /// (a fraction of a `docker run`'s start); nil when the kind's script names /data and the
    /// data is elsewhere (pure).
    public static func execCommand(container: String, dataPath: String, schema: UpgradeSchema) -> Command? {
        if let script = schema.versionScript {
            return dataPath == "/data" ? Command("docker", ["exec", container, "sh", "-c", script]) : nil
        }
        let files = schema.versionFiles.map { "'\(dataPath)/\($0)'" }.joined(separator: " ")
        return Command("docker", ["exec", container, "sh", "-c", "for f in \(files); do if [ -f \"$f\" ]; then head -n 1 \"$f\"; break; fi; done"])
    }

    /// The major version that wrote `volume`, nil when it holds no such file (empty, or data
    /// another way). Read in `running` (a container of the service with the volume at the
    /// kind's data path) when there is one, else by a throwaway container.
    public static func read(_ ctx: DevenvContext, volume: String, image: String, schema: UpgradeSchema, labels: [(String, String)] = [],
                            running: (container: String, dataPath: String)? = nil) async throws -> String? {
        let command = running.flatMap { execCommand(container: $0.container, dataPath: $0.dataPath, schema: schema) }
            ?? readCommand(volume: volume, image: image, schema: schema, labels: labels)
        let r = try await ctx.runner.capture(command)
        guard r.succeeded else {
            throw DevenvError("cannot read the version of the data in \(volume) (exit \(r.status))",
                              details: (r.stderr + r.stdout).split(separator: "\n").suffix(6).map { "  | " + $0 })
        }
        return MajorVersion.major(r.stdout, parts: schema.versionParts)
    }

    /// The major version the plan asks for (the image's tag, else the manifest's version);
    /// nil when it names none (`latest`).
    public static func wanted(_ s: PlannedService, schema: UpgradeSchema) -> String? {
        let tag = ImageMap.split(s.requestedImage).1 ?? s.spec.version ?? ""
        return MajorVersion.major(tag, parts: schema.versionParts)
    }

    /// A data/manifest mismatch `up` stops at.
    public struct Mismatch: Sendable, Equatable {
        public var service: String
        public var data: String
        public var wanted: String
        public var volume: String
        public var isDowngrade: Bool { MajorVersion.compare(data: data, wanted: wanted) > 0 }
    }

    /// The services among `services` whose data a different major version wrote. Skips those
    /// whose container already runs the planned image (their data is that version) and those
    /// without data yet.
    public static func mismatches(_ ctx: DevenvContext, plan: StackPlan, services: [PlannedService], containers: [ContainerInfo]) async throws -> [Mismatch] {
        var out: [Mismatch] = []
        var existing: [String: VolumeInfo]?
        for s in services {
            guard let kind = s.kind, let schema = kind.upgrade, kind.dataPath != nil, let wanted = wanted(s, schema: schema) else { continue }
            if containers.contains(where: { $0.service == s.name && $0.image == s.image && $0.state == .running }) { continue }
            if existing == nil { existing = try StackVolumes.existing(ctx.engine, stack: plan.identity.stack) }
            let volume = StackVolumes.name(plan, key: "\(s.name)-data")
            guard existing?[volume] != nil else { continue }
            guard let data = try await read(ctx, volume: volume, image: s.image, schema: schema,
                                            labels: VolumeTask.labels(plan.identity, "version")) else { continue }
            if MajorVersion.compare(data: data, wanted: wanted) != 0 { out.append(Mismatch(service: s.name, data: data, wanted: wanted, volume: volume)) }
        }
        return out
    }

    /// The error `up` exits with (nothing was started). An upgrade: exit 1, with the command
    /// to run; a downgrade: exit 2 (the manifest asks for what devenv will not do to the data).
    public static func error(_ m: Mismatch, kind: String, branch: Bool) -> DevenvError {
        let flag = branch ? " --branch" : ""
        if m.isDowngrade {
            return DevenvError("\(m.service)'s data was written by \(kind) \(m.data), and devenv.yml asks for \(m.wanted): an older major version cannot read it. Nothing was started.",
                               hint: "Set the version back to \"\(m.data)\" in devenv.yml, or start \(m.wanted) on empty data with `devenv reset \(m.service)\(flag)` (deletes the data; "
                                   + "`devenv snapshot save NAME` first keeps a copy).",
                               exitCode: .usage)
        }
        return DevenvError("\(m.service)'s data was written by \(kind) \(m.data), and devenv.yml now asks for \(m.wanted). Nothing was started.",
                           hint: "Run `devenv upgrade \(m.service)\(flag)`: it copies the data into a new \(m.wanted) volume, and keeps the \(m.data) one, "
                               + "untouched, as a snapshot until `devenv upgrade \(m.service)\(flag) --finish` (`--rollback` brings it back). "
                               + "`devenv up\(flag) --upgrade` does the same, then starts the stack.")
    }

    /// The major version of each service's data among `targets` (a snapshot records them).
    static func versions(_ ctx: DevenvContext, plan: StackPlan, targets: [(service: PlannedService, key: String, volume: String)]) async throws -> [String: String] {
        var out: [String: String] = [:]
        for t in targets where t.key == "\(t.service.name)-data" {
            guard let schema = t.service.kind?.upgrade else { continue }
            out[t.service.name] = try await read(ctx, volume: t.volume, image: t.service.image, schema: schema, labels: VolumeTask.labels(plan.identity, "version"))
        }
        return out
    }
}
