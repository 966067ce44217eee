import Foundation
import DevenvCore
import DevenvEngine
import DevenvPlan
import DevenvPlatform

/// The old volumes that upgrades keep (`VolumeGenerations.Entry.previous`): the data from
/// before `devenv upgrade SERVICE`, kept for `--rollback` until `--finish` or `devenv gc`
/// deletes it.
public struct KeptVolume: Sendable, Equatable {
    public var stack: String
    /// The stack's project (or worktree) folder, where its record is.
    public var root: String
    public var key: String
    public var service: String
    /// The kept Docker volume, and the version that wrote it.
    public var volume: String
    public var version: String?
    /// The version the service was upgraded to (what it runs now).
    public var upgradedTo: String?
    public var bytes: Int64?

    /// `myapp_postgres-data (the 15 data of postgres, kept since its upgrade to 17)`.
    public var description: String {
        "\(volume) (the \(version ?? "old") data of \(service), kept since its upgrade to \(upgradedTo ?? "a newer version"))"
    }
}

public enum KeptVolumes {
    /// The kept volumes of the stacks among `records` whose folder holds a record of their
    /// volumes. A stack whose record cannot be read is skipped (gc judges what it can).
    public static func find(_ records: [StackRecord]) -> [KeptVolume] {
        var out: [KeptVolume] = []
        for r in records where !r.root.isEmpty {
            let stateDir = StackPlanner.stateDir(root: r.root, stack: r.stack)
            guard let generations = try? VolumeGenerations.load(stateDir: stateDir) else { continue }
            for (key, e) in generations.volumes.sorted(by: { $0.key < $1.key }) {
                guard let previous = e.previous else { continue }
                out.append(KeptVolume(stack: r.stack, root: r.root, key: key, service: e.service ?? (key.hasSuffix("-data") ? String(key.dropLast(5)) : key),
                                      volume: previous, version: e.previousVersion, upgradedTo: e.version))
            }
        }
        return out
    }

    /// Deletes the volume kept for `key` and forgets it in the stack's record (under the
    /// stack's lock, which the caller holds). Nil when the record keeps none (any more), or
    /// keeps another than `expected`.
    /// A volume already gone is forgotten; one still in use is an error that changes nothing.
    @discardableResult
    public static func remove(_ ctx: DevenvContext, stateDir: String, key: String, expected: String? = nil) async throws -> (volume: String, version: String?)? {
        var generations = try VolumeGenerations.load(stateDir: stateDir)
        guard var entry = generations.volumes[key], let previous = entry.previous, expected == nil || expected == previous else { return nil }
        let r = try await ctx.runner.capture(VolumeCommands.remove([previous]))
        guard r.succeeded || r.stderr.lowercased().contains("no such volume") else {
            throw DevenvError("cannot delete \(previous) (exit \(r.status))", hint: "See `docker ps -a`: a container may still use it.",
                              details: r.stderr.split(separator: "\n").suffix(5).map { "  | " + $0 })
        }
        let was = entry.previousVersion
        entry.previous = nil
        entry.previousVersion = nil
        entry.snapshot = nil
        entry.snapshotCreated = nil
        entry.seeds = nil
        generations.volumes[key] = entry
        try generations.save(stateDir: stateDir)
        return (previous, was)
    }
}

/// A kept volume as the snapshot it stands for (`VolumeGenerations.Entry.snapshot`): what
/// `devenv snapshot ls` lists, `restore` copies from and `rm` deletes (as `--finish` does).
public struct KeptSnapshot: Sendable, Equatable {
    public var name: String
    public var key: String
    public var service: String
    /// The kept Docker volume, and the version that wrote it.
    public var volume: String
    public var version: String?
    public var upgradedTo: String?
    public var created: String?
    public var seeds: [SeedLedger.Entry]
}

extension KeptVolumes {
    /// The snapshots the stack's kept volumes stand for, in key order.
    public static func snapshots(stateDir: String) throws -> [KeptSnapshot] {
        try VolumeGenerations.load(stateDir: stateDir).volumes.sorted { $0.key < $1.key }.compactMap { key, e in
            guard let previous = e.previous, let name = e.snapshot else { return nil }
            return KeptSnapshot(name: name, key: key, service: e.service ?? (key.hasSuffix("-data") ? String(key.dropLast(5)) : key),
                                volume: previous, version: e.previousVersion, upgradedTo: e.version, created: e.snapshotCreated, seeds: e.seeds ?? [])
        }
    }

    /// The snapshot `name` when a kept volume stands for it.
    public static func snapshot(named name: String, stateDir: String) throws -> KeptSnapshot? {
        try snapshots(stateDir: stateDir).first { $0.name == name }
    }
}
