import Foundation
import Yams

/// Reads the manifest's `seed:` section into `SeedItem`s, checking each shape against the
/// service's kind and that every file exists. Every problem is reported at once, each at
/// `devenv.yml:LINE:COLUMN`.
///
/// ```yaml
/// seed:
///   postgres: [db/schema.sql, db/seed.sql.gz, { file: db/test.sql, database: app_test }]
///   redis:    [seeds/cache.redis]
///   mongodb:  { myflow.users: seeds/users.json, myflow: seeds/indexes.js }
///   minio:    { uploads: seeds/uploads/ }
/// ```
public struct SeedParser {
    /// The databases each Postgres service has (its `databases:`, or the default one).
    public var databases: [String: [String]]
    public var fileManager: FileManager = .default

    public init(databases: [String: [String]]) { self.databases = databases }

    /// The seed kinds devenv knows how to apply.
    public static let kinds = ["postgres", "redis", "mongodb", "minio"]

    public func parse(_ manifest: Manifest) throws -> [SeedItem] {
        var reader = NodeReader()
        var items: [SeedItem] = []
        // The manifest keeps `seed:` as a dictionary; walk it in the order the file lists it.
        let ordered = manifest.seeds.sorted { ($0.value.mark?.line ?? 0, $0.value.mark?.column ?? 0) < ($1.value.mark?.line ?? 0, $1.value.mark?.column ?? 0) }
        for (service, node) in ordered {
            guard let spec = manifest.service(named: service) else { continue }   // the loader reports unknown services
            switch spec.kind {
            case "postgres": items += postgres(service, node, manifest.root, &reader)
            case "redis": items += redis(service, node, manifest.root, &reader)
            case "mongodb": items += mongodb(service, node, manifest.root, &reader)
            case "minio": items += minio(service, node, manifest.root, &reader)
            default:
                reader.problem(node, "service '\(service)' (\(spec.isGeneric ? "an image" : "kind \(spec.kind)")) cannot be seeded; seeds work for \(Self.kinds.joined(separator: ", "))")
            }
        }
        if !reader.problems.isEmpty { throw ManifestError(file: manifest.file, problems: reader.problems) }
        return items
    }

    // MARK: - Kinds

    func postgres(_ service: String, _ node: Node, _ root: String, _ reader: inout NodeReader) -> [SeedItem] {
        let known = databases[service] ?? []
        var out: [SeedItem] = []
        for entry in list(node) {
            var fileNode = entry
            var database = known.first ?? "postgres"
            var transaction = true
            if let m = entry.mapping {
                var file: Node?
                for (key, value) in reader.entries(m, allowed: ["file", "database", "transaction"], context: "in a postgres seed") {
                    switch key {
                    case "file": file = value
                    case "database":
                        guard let db = reader.string(value, "database") else { continue }
                        if !known.isEmpty, !known.contains(db), db != "postgres" {
                            reader.problem(value, "database '\(db)' is not one of \(service)'s databases (\(known.joined(separator: ", ")))\(Suggest.hint(db, among: known)); add it to services.\(service).databases")
                        }
                        database = db
                    case "transaction":
                        guard case .scalar(let s) = value, let b = Bool(s.string.lowercased()) else {
                            reader.problem(value, "transaction must be true or false"); continue
                        }
                        transaction = b
                    default: break
                    }
                }
                guard let file else { reader.problem(entry, "a postgres seed written as a map needs 'file:', e.g. { file: db/seed.sql, database: app }"); continue }
                fileNode = file
            }
            guard let file = reader.string(fileNode, "a postgres seed file") else { continue }
            let gzip = file.hasSuffix(".sql.gz")
            guard gzip || file.hasSuffix(".sql") else {
                reader.problem(fileNode, "postgres seed '\(file)' must be a .sql or .sql.gz file"); continue
            }
            guard let path = existingFile(file, root, fileNode, &reader) else { continue }
            out.append(item(service, file, path, .postgres(database: database, gzip: gzip, transaction: transaction), fileNode))
        }
        return out
    }

    func redis(_ service: String, _ node: Node, _ root: String, _ reader: inout NodeReader) -> [SeedItem] {
        list(node).compactMap { entry in
            guard let file = reader.string(entry, "a redis seed file (a file of redis-cli commands)"),
                  let path = existingFile(file, root, entry, &reader) else { return nil }
            return item(service, file, path, .redis, entry)
        }
    }

    func mongodb(_ service: String, _ node: Node, _ root: String, _ reader: inout NodeReader) -> [SeedItem] {
        guard let m = mapping(node, service, example: "{ myflow.users: seeds/users.json, myflow: seeds/setup.js }", &reader) else { return [] }
        var out: [SeedItem] = []
        for (keyNode, value) in m {
            guard let key = reader.string(keyNode, "a mongodb seed key (db.collection, or db for .js files)") else { continue }
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            for entry in list(value) {
                guard let file = reader.string(entry, "a mongodb seed file") else { continue }
                let action: SeedAction
                if file.hasSuffix(".js") {
                    action = .mongoScript(database: parts[0])
                } else if file.hasSuffix(".json") || file.hasSuffix(".ndjson") || file.hasSuffix(".jsonl") {
                    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                        reader.problem(keyNode, "'\(key)' must name db.collection for \(file), e.g. '\(key.isEmpty ? "myflow" : parts[0]).users'"); continue
                    }
                    action = .mongoImport(database: parts[0], collection: parts[1], jsonArray: file.hasSuffix(".json"))
                } else {
                    reader.problem(entry, "mongodb seed '\(file)' must be a .json (array), .ndjson (one document per line) or .js (mongosh) file"); continue
                }
                guard let path = existingFile(file, root, entry, &reader) else { continue }
                out.append(item(service, file, path, action, entry))
            }
        }
        return out
    }

    func minio(_ service: String, _ node: Node, _ root: String, _ reader: inout NodeReader) -> [SeedItem] {
        guard let m = mapping(node, service, example: "{ uploads: seeds/uploads/ }", &reader) else { return [] }
        var out: [SeedItem] = []
        for (keyNode, value) in m {
            guard let bucket = reader.string(keyNode, "a bucket name") else { continue }
            if bucket.range(of: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", options: .regularExpression) == nil {
                reader.problem(keyNode, "'\(bucket)' is not a valid bucket name (3-63 lower-case letters, digits, '.' and '-')"); continue
            }
            guard let folder = reader.string(value, "the folder seeding bucket '\(bucket)'") else { continue }
            let path = absolute(folder, root)
            var isDir: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDir) else {
                reader.problem(value, "seed folder '\(folder)' does not exist (looked for \(path))"); continue
            }
            guard isDir.boolValue else { reader.problem(value, "'\(folder)' must be a folder: each file in it becomes an object of bucket '\(bucket)'"); continue }
            let base = folder.hasSuffix("/") ? folder : folder + "/"
            for key in Self.files(under: path) {
                out.append(item(service, base + key, path + "/" + key, .minioObject(bucket: bucket, key: key), value))
            }
        }
        return out
    }

    // MARK: - Helpers

    /// Every regular file under `dir`, as sorted paths relative to it; hidden files and
    /// folders (`.DS_Store`, `.gitkeep`) are left out.
    static func files(under dir: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            if (rel as NSString).lastPathComponent.hasPrefix(".") {
                if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { walker.skipDescendants() }
                continue
            }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir), !isDir.boolValue { out.append(rel) }
        }
        return out.sorted()
    }

    func list(_ node: Node) -> [Node] {
        if let seq = node.sequence { return Array(seq) }
        return [node]
    }

    func mapping(_ node: Node, _ service: String, example: String, _ reader: inout NodeReader) -> Node.Mapping? {
        if let m = node.mapping { return m }
        reader.problem(node, "seeds for '\(service)' must be a map, e.g. \(example); found \(NodeReader.describe(node))")
        return nil
    }

    func absolute(_ file: String, _ root: String) -> String {
        file.hasPrefix("/") ? file : URL(fileURLWithPath: root).appendingPathComponent(file).standardizedFileURL.path
    }

    func existingFile(_ file: String, _ root: String, _ node: Node, _ reader: inout NodeReader) -> String? {
        let path = absolute(file, root)
        var isDir: ObjCBool = false
        guard fileManager.fileExists(atPath: path, isDirectory: &isDir) else {
            reader.problem(node, "seed file '\(file)' does not exist (looked for \(path))"); return nil
        }
        if isDir.boolValue { reader.problem(node, "seed '\(file)' is a folder; name the file(s) in it"); return nil }
        return path
    }

    func item(_ service: String, _ file: String, _ path: String, _ action: SeedAction, _ node: Node) -> SeedItem {
        SeedItem(service: service, file: file, path: path, action: action, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }
}
