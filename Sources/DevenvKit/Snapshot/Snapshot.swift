import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A named copy of a stack's data: one labelled Docker volume per service volume,
/// `<stack>--snap--<name>--<service>`, plus the seed ledger as it was
/// (`<stateDir>/snapshots/<name>.json`) so a restore also restores what counts as applied.
public struct Snapshot: Encodable, Sendable {
    public var name: String
    public var services: [String]
    /// Bytes on disk, as the engine counts them (nil when it does not say).
    public var bytes: Int64?
    public var created: String
    public var volumes: [String]
    /// False for an interrupted save (no completion record): it cannot be restored.
    public var complete = true
    /// The service whose upgrade keeps this data: the snapshot is the old volume itself
    /// (`KeptSnapshot`), not a copy, and goes when `devenv upgrade SERVICE --finish` deletes it.
    public var upgrade: String?

    public static let label = StackVolumes.snapshotLabel
    public static let serviceLabel = "dev.devenv.service"
    public static let volumeLabel = "dev.devenv.volume"
    public static let createdLabel = "dev.devenv.created"
    public static let imageLabel = "dev.devenv.image"

    /// The volume holding snapshot `name` of volume `key` (a service's data volume is named
    /// after the service).
    public static func volumeName(stack: String, snapshot: String, service: String, key: String) -> String {
        "\(stack)--snap--\(snapshot)--\(key == "\(service)-data" ? service : key)"
    }

    public static func labels(identity: StackIdentity, snapshot: String, service: String, key: String, image: String, created: String) -> [(String, String)] {
        identity.labels + [(label, snapshot), (serviceLabel, service), (volumeLabel, key), (imageLabel, image), (createdLabel, created)]
    }

    /// Letters, digits, '.', '_' and '-', starting with a letter or digit (a Docker volume name part).
    public static func validate(_ name: String) throws {
        guard name.count <= 64, name.range(of: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", options: .regularExpression) != nil, !name.contains("--") else {
            throw DevenvError.usage("'\(name)' is not a valid snapshot name",
                                    hint: "Use letters, digits, '.', '_' and single '-' (at most 64), e.g. `devenv snapshot save before-migration`.")
        }
    }

    /// The existing snapshot whose name differs from `name` only in case, when the disk that
    /// keeps the records (`<stateDir>/snapshots/NAME.json`) cannot tell them apart.
    public static func caseClash(_ name: String, existing: [String], caseSensitive: Bool) -> String? {
        guard !caseSensitive else { return nil }
        return existing.first { $0 != name && $0.lowercased() == name.lowercased() }
    }

    /// Every snapshot of `stack`, oldest first, from the volumes' labels; with `stateDir`, each
    /// is marked complete or not by its record (`SnapshotRecord`).
    public static func list(_ engine: any ContainerEngine, stack: String, sizes: Bool, stateDir: String? = nil) throws -> [Snapshot] {
        let volumes = try engine.volumes(label: "dev.devenv.stack=\(stack)").filter { $0.labels[label] != nil }
        let usage = sizes && !volumes.isEmpty ? engine.volumeSizes() : [:]
        var byName: [String: Snapshot] = [:]
        for v in volumes {
            let name = v.labels[label] ?? ""
            var s = byName[name] ?? Snapshot(name: name, services: [], bytes: nil, created: v.labels[createdLabel] ?? v.createdAt ?? "", volumes: [])
            if let svc = v.labels[serviceLabel], !s.services.contains(svc) { s.services.append(svc) }
            s.volumes.append(v.name)
            if let b = usage[v.name] { s.bytes = (s.bytes ?? 0) + b }
            byName[name] = s
        }
        if let stateDir {
            for (name, snap) in byName {
                let record = try SnapshotRecord.load(stateDir: stateDir, name: name)
                byName[name]?.complete = record?.isComplete(present: snap.volumes) ?? false
            }
            // The old volumes upgrades keep, each the snapshot its upgrade began with.
            let kept = try KeptVolumes.snapshots(stateDir: stateDir).filter { byName[$0.name] == nil }
            if !kept.isEmpty {
                let present = Set(try engine.volumes(label: "dev.devenv.stack=\(stack)").map(\.name))
                let keptUsage = sizes && volumes.isEmpty ? engine.volumeSizes() : usage
                for k in kept {
                    var s = Snapshot(name: k.name, services: [k.service], bytes: keptUsage[k.volume], created: k.created ?? "", volumes: [k.volume])
                    s.complete = present.contains(k.volume)
                    s.upgrade = k.service
                    byName[k.name] = s
                }
            }
        }
        return byName.values.map { var s = $0; s.services.sort(); s.volumes.sort(); return s }
            .sorted { ($0.created, $0.name) < ($1.created, $1.name) }
    }

    /// The volumes of snapshot `name`, or a usage error listing the snapshots there are.
    static func volumes(_ engine: any ContainerEngine, stack: String, name: String) throws -> [VolumeInfo] {
        let vols = try engine.volumes(label: "\(label)=\(name)").filter { $0.labels["dev.devenv.stack"] == stack }
        guard !vols.isEmpty else {
            let names = try list(engine, stack: stack, sizes: false).map(\.name)
            throw DevenvError.usage("stack '\(stack)' has no snapshot '\(name)'\(Suggest.hint(name, among: names))",
                                    hint: names.isEmpty ? "Take one with `devenv snapshot save NAME`." : "Snapshots: \(names.joined(separator: ", ")) (`devenv snapshot ls`).")
        }
        return vols.sorted { $0.name < $1.name }
    }


    /// `12.3 MB`.
    public static func humanSize(_ bytes: Int64?) -> String {
        guard let bytes else { return "?" }
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(bytes), i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(bytes) B" : String(format: "%.1f %@", v, units[i])
    }
}
