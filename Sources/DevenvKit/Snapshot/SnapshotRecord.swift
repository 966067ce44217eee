import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A snapshot's completion marker: `<stateDir>/snapshots/<name>.json`, written atomically
/// *last*, after every volume was copied. It holds the seed ledger as it was and the names of
/// the snapshot's volumes.
///
/// Invariants: a snapshot is usable only when its record exists and every volume it lists
/// exists. Volumes without a record are an interrupted save: listed as incomplete, refused by
/// `restore`, removed by `rm` or by the next `save`. (A record without `volumes`, written by an
/// older devenv — which also wrote it last — counts as complete.)
public struct SnapshotRecord: Codable, Sendable, Equatable {
    public var version = 2
    public var seeds: [SeedLedger.Entry] = []
    /// Nil in a record from an older devenv.
    public var volumes: [String]?
    public var services: [String]?
    public var created: String?
    /// The major version that wrote each service's data, for kinds that declare how to read it
    /// (`upgrade:`): a restore into another major is refused. Nil in older records.
    public var versions: [String: String]?

    public init(seeds: [SeedLedger.Entry], volumes: [String], services: [String], created: String, versions: [String: String]? = nil) {
        self.seeds = seeds; self.volumes = volumes; self.services = services; self.created = created; self.versions = versions
    }

    public static func path(stateDir: String, name: String) -> String { "\(stateDir)/snapshots/\(name).json" }

    /// The record, nil when there is none; a damaged record is an error (never "no record",
    /// which would make a complete snapshot look interrupted and let `save` delete it).
    public static func load(stateDir: String, name: String) throws -> SnapshotRecord? {
        let file = path(stateDir: stateDir, name: name)
        guard let data = try StateFile.read(file, what: "the snapshot record") else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let record = try? decoder.decode(SnapshotRecord.self, from: data) else {
            throw DevenvError("the snapshot record \(file) is damaged (\(data.isEmpty ? "empty" : "not the JSON devenv writes")); devenv changed nothing",
                              hint: "Move it aside (`mv \(file) \(file).bad`): snapshot '\(name)' then counts as incomplete and `devenv snapshot rm \(name)` removes it.")
        }
        return record
    }

    public func save(stateDir: String, name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try StateFile.makePrivateFolder(stateDir + "/snapshots")
        try AtomicFile.write(try encoder.encode(self), to: Self.path(stateDir: stateDir, name: name), newFileMode: 0o600)
    }

    /// Whether the snapshot whose volumes are `present` is complete.
    public func isComplete(present: [String]) -> Bool {
        guard let volumes else { return true }
        return Set(volumes).isSubset(of: present)
    }
}

extension DataVersion {
    /// A snapshot whose data another major version wrote is not restored into this one.
    static func checkRestore(_ record: SnapshotRecord, snapshot: String, plan: StackPlan, services: [String], branch: Bool) throws {
        for name in services {
            guard let data = record.versions?[name], let s = plan.service(name), let schema = s.kind?.upgrade,
                  let wanted = wanted(s, schema: schema), MajorVersion.compare(data: data, wanted: wanted) != 0 else { continue }
            let kind = s.kind?.description ?? name
            throw DevenvError("snapshot '\(snapshot)' holds \(kind) \(data) data of \(name), and devenv.yml asks for \(wanted); nothing was restored",
                              hint: MajorVersion.compare(data: data, wanted: wanted) < 0
                                  ? "Set the version of \(name) to \"\(data)\" in devenv.yml, restore the snapshot, then set \"\(wanted)\" again and run `devenv upgrade \(name)\(branch ? " --branch" : "")`."
                                  : "A \(data) snapshot cannot go into \(wanted); set the version of \(name) to \"\(data)\" in devenv.yml to restore it.")
        }
    }
}

extension KeptSnapshot {
    /// The record a restore checks and applies, as `snapshot save` would have written it.
    public var record: SnapshotRecord {
        SnapshotRecord(seeds: seeds, volumes: [volume], services: [service], created: created ?? "",
                       versions: version.map { [service: $0] })
    }
}
