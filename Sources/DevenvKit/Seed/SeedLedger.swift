import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Which seed files a stack has applied: `<stateDir>/seeds.json`, written atomically.
///
/// An entry is keyed by (service, file, target) and holds the file's SHA-256 when it was
/// applied, plus its size and modification time so an unchanged file is recognised without
/// reading it again. A file whose size or mtime moved is hashed: same checksum → still
/// applied (the entry is refreshed); another checksum → changed.
public struct SeedLedger: Codable, Equatable, Sendable {
    public var version = 1
    public var seeds: [Entry] = []

    public struct Entry: Codable, Equatable, Sendable {
        public var service: String
        public var file: String
        public var target: String
        public var sha256: String
        public var size: Int64
        public var mtimeNanoseconds: Int64
        public var appliedAt: Date

        public init(service: String, file: String, target: String, sha256: String, fingerprint: FileFingerprint, appliedAt: Date) {
            self.service = service; self.file = file; self.target = target; self.sha256 = sha256
            self.size = fingerprint.size; self.mtimeNanoseconds = fingerprint.mtimeNanoseconds; self.appliedAt = appliedAt
        }

        public var fingerprint: FileFingerprint { FileFingerprint(size: size, mtimeNanoseconds: mtimeNanoseconds) }

        enum CodingKeys: String, CodingKey {
            case service, file, target, sha256, size, mtimeNanoseconds = "mtime_ns", appliedAt = "applied_at"
        }
    }

    public init(seeds: [Entry] = []) { self.seeds = seeds }

    public static func path(stateDir: String) -> String { stateDir + "/seeds.json" }

    /// The ledger at `path`; an absent file is an empty ledger. A ledger that cannot be read
    /// or decoded is an error, never an empty ledger: that would apply every seed a second time.
    public static func load(_ path: String) throws -> SeedLedger {
        guard let data = try StateFile.read(path, what: "the seed ledger") else { return SeedLedger() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { return try decoder.decode(SeedLedger.self, from: data) } catch {
            throw DevenvError("the seed ledger \(path) is damaged (\(data.isEmpty ? "empty" : "not the JSON devenv writes")); devenv cannot tell which seeds were applied, and changed nothing",
                              hint: "Put back a good copy if you have one. Otherwise `devenv reset` wipes the stack's data and seeds it again; "
                                  + "or move the file aside (`mv \(path) \(path).bad`) to apply every seed again on the data as it is (rows may be doubled).")
        }
    }

    public func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(self), to: path, newFileMode: 0o600)
    }

    public func entry(for item: SeedItem) -> Entry? {
        seeds.first { $0.service == item.service && $0.file == item.file && $0.target == item.target }
    }

    /// Adds or replaces the entry for the same (service, file, target).
    public mutating func record(_ entry: Entry) {
        seeds.removeAll { $0.service == entry.service && $0.file == entry.file && $0.target == entry.target }
        seeds.append(entry)
    }

    /// Forgets every entry of `service` (after `reset` wiped its data).
    public mutating func forget(service: String) { seeds.removeAll { $0.service == service } }

    /// Where a seed file stands against the ledger. `digest` is called only when needed.
    public func state(of item: SeedItem, fingerprint: FileFingerprint, digest: () throws -> String) rethrows -> SeedState {
        guard let entry = entry(for: item) else { return .new }
        if entry.fingerprint == fingerprint { return .applied(entry) }
        let sum = try digest()
        return sum == entry.sha256 ? .touched(entry, fingerprint) : .changed(entry, sha256: sum)
    }
}

/// A seed file against the ledger.
public enum SeedState: Equatable, Sendable {
    /// Never applied.
    case new
    /// Applied, and the file has not moved since.
    case applied(SeedLedger.Entry)
    /// Applied; the file was touched but its content is the same (refresh the entry).
    case touched(SeedLedger.Entry, FileFingerprint)
    /// Applied, but the file's content changed since.
    case changed(SeedLedger.Entry, sha256: String)
}

/// Size and modification time of a file: the cheap test for "unchanged".
public struct FileFingerprint: Equatable, Sendable {
    public var size: Int64
    public var mtimeNanoseconds: Int64

    public init(size: Int64, mtimeNanoseconds: Int64) { self.size = size; self.mtimeNanoseconds = mtimeNanoseconds }

    public static func of(_ path: String) throws -> FileFingerprint {
        var st = stat()
        guard stat(path, &st) == 0 else { throw DevenvError("cannot read \(path): \(String(cString: strerror(errno)))") }
        let ns = Posix.modificationNanoseconds(st)
        return FileFingerprint(size: Int64(st.st_size), mtimeNanoseconds: ns)
    }
}
