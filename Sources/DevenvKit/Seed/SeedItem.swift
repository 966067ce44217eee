import Foundation

/// One seed file to apply to one target: the unit the ledger records.
///
/// A MinIO folder becomes one item per file (object key = path relative to the folder), so
/// a new file in the folder is uploaded on the next `up` without uploading the others again.
public struct SeedItem: Sendable, Equatable {
    /// The service (name in `services:`) the file goes to.
    public var service: String
    /// The file as the project names it, relative to the project root (`db/seed.sql.gz`).
    public var file: String
    /// The absolute path streamed to the container.
    public var path: String
    public var action: SeedAction
    /// Where the manifest asks for it (for messages).
    public var line: Int
    public var column: Int

    public init(service: String, file: String, path: String, action: SeedAction, line: Int = 0, column: Int = 0) {
        self.service = service; self.file = file; self.path = path; self.action = action
        self.line = line; self.column = column
    }

    /// What the file is applied to, as the ledger and messages name it: a database, a
    /// `db.collection`, `bucket/key`.
    public var target: String { action.target }
}

/// How a seed file is applied, by service kind.
public enum SeedAction: Sendable, Equatable {
    /// A `.sql` or `.sql.gz` file into a Postgres database; `transaction` wraps the file in one.
    case postgres(database: String, gzip: Bool, transaction: Bool)
    /// A file of Redis commands (one per line, `redis-cli` syntax).
    case redis
    /// A `.json` array (`jsonArray`) or `.ndjson` file into `db.collection` with mongoimport.
    case mongoImport(database: String, collection: String, jsonArray: Bool)
    /// A `.js` file run by mongosh against a database.
    case mongoScript(database: String)
    /// One file of a bucket folder uploaded as `bucket/key`.
    case minioObject(bucket: String, key: String)

    public var target: String {
        switch self {
        case .postgres(let db, _, _): return db
        case .redis: return "redis"
        case .mongoImport(let db, let collection, _): return "\(db).\(collection)"
        case .mongoScript(let db): return db
        case .minioObject(let bucket, let key): return "\(bucket)/\(key)"
        }
    }

    /// The name of the argv template in the kind's `service.yml` `seed:` block.
    public var templateName: String {
        switch self {
        case .postgres(_, let gzip, _): return gzip ? "sql_gz" : "sql"
        case .redis: return "commands"
        case .mongoImport: return "import"
        case .mongoScript: return "script"
        case .minioObject: return "upload"
        }
    }

    /// The keys `{{seed.…}}` in the argv template can use.
    public var templateContext: [String: Any] {
        switch self {
        case .postgres(let db, _, let tx): return ["database": db, "transaction": tx]
        case .redis: return [:]
        case .mongoImport(let db, let c, let array): return ["database": db, "collection": c, "jsonArray": array]
        case .mongoScript(let db): return ["database": db]
        case .minioObject(let bucket, let key):
            return ["bucket": bucket, "key": key, "object": "\(bucket)/\(key)", "contentType": Self.contentType(of: key)]
        }
    }

    /// The Content-Type an uploaded object gets, from its extension (S3 clients serve it back).
    public static func contentType(of key: String) -> String {
        let types = [
            "json": "application/json", "txt": "text/plain", "md": "text/markdown", "csv": "text/csv",
            "html": "text/html", "htm": "text/html", "css": "text/css", "js": "text/javascript", "xml": "application/xml",
            "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
            "svg": "image/svg+xml", "ico": "image/x-icon", "pdf": "application/pdf", "zip": "application/zip",
            "gz": "application/gzip", "mp3": "audio/mpeg", "mp4": "video/mp4", "webm": "video/webm", "wasm": "application/wasm",
        ]
        return types[(key as NSString).pathExtension.lowercased()] ?? "application/octet-stream"
    }
}
