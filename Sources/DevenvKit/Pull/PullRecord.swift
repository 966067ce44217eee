import Foundation
import DevenvCore

/// The last pull of each service, kept in the stack's state (`.devenv/stacks/<stack>/pulls.json`)
/// and shown by `devenv status`.
public struct PullRecord: Codable, Sendable, Equatable {
    public struct Table: Codable, Sendable, Equatable {
        public var table: String
        public var rows: Int
        public var bytes: Int
    }
    public var service: String
    /// Where from, without any secret (`$STAGING_DATABASE_URL`, `staging's DATABASE_URL`).
    public var source: String
    public var database: String
    /// ISO 8601, UTC.
    public var at: String
    public var snapshot: String?
    public var seconds: Double
    public var tables: [Table]
    /// What `rows` counts: nil for rows of tables, `objects` for a pull of objects.
    public var unit: String? = nil

    public var rows: Int { tables.reduce(0) { $0 + $1.rows } }
    public var bytes: Int { tables.reduce(0) { $0 + $1.bytes } }

    public static func path(stateDir: String) -> String { stateDir + "/pulls.json" }

    /// Every service's last pull; empty when there was none. A file that cannot be read is an
    /// error, never replaced.
    public static func load(stateDir: String) throws -> [PullRecord] {
        let path = path(stateDir: stateDir)
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        do { return try JSONDecoder().decode([PullRecord].self, from: data) }
        catch {
            throw DevenvError("\(path) cannot be read (\(error.localizedDescription))",
                              hint: "Move it aside; the next `devenv pull` writes a new one.")
        }
    }

    public static func save(_ record: PullRecord, stateDir: String) throws {
        var all = try load(stateDir: stateDir).filter { $0.service != record.service }
        all.append(record)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(all.sorted { $0.service < $1.service }), to: path(stateDir: stateDir))
    }

    /// `postgres: pulled 5,000 rows (3 tables, 1.2 MB) from $STAGING_DATABASE_URL on 2026-12-07 04:10`.
    public var line: String {
        if let unit { return "\(service): last pull \(at) from \(source): \(rows) \(unit) (\(Snapshot.humanSize(Int64(bytes)))) into \(database)" }
        return "\(service): last pull \(at) from \(source): \(rows) rows in \(tables.count) tables (\(Snapshot.humanSize(Int64(bytes))))"
    }
}
