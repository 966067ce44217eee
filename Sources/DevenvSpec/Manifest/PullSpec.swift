import Foundation
import Yams
import DevenvCore

/// One entry under `pull:`: where a service's data comes from and how each table is masked.
///
/// ```yaml
/// pull:
///   postgres:
///     from: { env: STAGING_DATABASE_URL }   # or: from: staging   or: from: { url: "postgres://…" }
///     salt: "our-project"                   # optional: mixed into every hash
///     tables:
///       users:
///         where: "id <= 5000"
///         limit: 1000
///         columns: { email: email, full_name: name, phone: "null", password_hash: hash }
///       audit_log: skip
/// ```
public struct PullSpec: Sendable, Equatable {
    /// The service (name in `services:`) the data goes into.
    public var service: String
    public var source: PullSource
    public var salt: String
    /// The local database written (default: the service's first database).
    public var database: String?
    /// Tables the manifest names, in file order.
    public var tables: [PullTable]
    public var line: Int
    public var column: Int
    /// Set for a service holding objects (a kind whose pull.yml has `objects:`).
    public var objects: PullObjects? = nil

    public func table(_ name: String) -> PullTable? {
        tables.first { $0.name == name || "public." + $0.name == name || $0.name == "public." + name }
    }
}

/// What a pull of objects copies (a kind whose `pull.yml` has `objects:`, e.g. minio, rustfs):
///
/// ```yaml
/// pull:
///   s3:
///     from: { url: "s3://acme-staging-uploads" }   # or from: staging (its S3_BUCKET), or from: { env: VAR }
///     bucket: uploads                             # the local bucket (default: the service's first)
///     prefixes: [avatars/, invoices/2026/]        # only keys under these (default: every key)
///     max_object_size: 5MB                        # larger objects are left on staging
///     max_size: 200MB                             # at most this much in all, in key order
/// ```
public struct PullObjects: Sendable, Equatable {
    public var bucket: String?
    public var prefixes: [String] = []
    public var maxSize: Int64?
    public var maxObjectSize: Int64?
    public init(bucket: String? = nil, prefixes: [String] = [], maxSize: Int64? = nil, maxObjectSize: Int64? = nil) {
        self.bucket = bucket; self.prefixes = prefixes; self.maxSize = maxSize; self.maxObjectSize = maxObjectSize
    }

    /// `5MB` (1000-based), `5MiB` (1024-based), `512KB`, `1GB`, or a number of bytes.
    public static func size(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
                                        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let n = Double(number), n >= 0, n * Double(factor) < 9e18 else { return nil }
            return Int64(n * Double(factor))
        }
        return Int64(t).flatMap { $0 >= 0 ? $0 : nil }
    }
}

/// Where `pull:` reads from.
public enum PullSource: Sendable, Equatable {
    /// The URL under `key` in staging's variables, read at pull time as `devenv mirror` reads them.
    case staging(key: String)
    /// The URL in this environment variable of devenv's own environment.
    case env(String)
    /// The URL as written.
    case url(String)

    public static let defaultStagingKey = "DATABASE_URL"
    /// For a pull of objects: the key naming staging's bucket.
    public static let defaultStagingBucketKey = "S3_BUCKET"

    public var label: String {
        switch self {
        case .staging(let key): "staging's \(key)"
        case .env(let name): "$\(name)"
        case .url: "the url in devenv.yml"
        }
    }
}

public struct PullTable: Sendable, Equatable {
    /// As written: `users` or `schema.users`.
    public var name: String
    public var skip: Bool = false
    public var filter: String?
    public var limit: Int?
    public var columns: [PullColumn] = []
    public var line: Int
    public var column: Int

    public init(name: String, skip: Bool = false, filter: String? = nil, limit: Int? = nil, columns: [PullColumn] = [], line: Int = 0, column: Int = 0) {
        self.name = name; self.skip = skip; self.filter = filter; self.limit = limit; self.columns = columns; self.line = line; self.column = column
    }

    public func rule(for column: String) -> ColumnRule? { columns.first { $0.name == column }?.rule }
}

public struct PullColumn: Sendable, Equatable {
    public var name: String
    public var rule: ColumnRule
    public var line: Int
    public var column: Int

    public init(name: String, rule: ColumnRule, line: Int = 0, column: Int = 0) {
        self.name = name; self.rule = rule; self.line = line; self.column = column
    }
}

/// What becomes of one column's values, computed on the source.
public enum ColumnRule: Sendable, Equatable, CustomStringConvertible {
    /// A named rule of the kind's `pull.yml` (`keep`, `null`, `hash`, `email`, `name`, `phone`).
    case named(String)
    /// `{ value: X }`: every row gets X.
    case value(String)
    /// `{ sql: "left(zip, 2) || 'xxx'" }`: an SQL expression over the row's columns.
    case sql(String)

    public static let keep = ColumnRule.named("keep")

    public var description: String {
        switch self {
        case .named(let n): n
        case .value(let v): "value \(v)"
        case .sql(let s): "sql \(s)"
        }
    }
}
