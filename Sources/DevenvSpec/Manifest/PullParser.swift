import Foundation
import Yams
import DevenvCore

/// Reads `pull:` (see `PullSpec`): every problem at `devenv.yml:LINE:COLUMN`, with the nearest
/// valid word for a misspelt key or rule. Rule names come from each kind's `pull.yml`.
public struct PullParser {
    public var kinds: KindCatalogue
    public init(kinds: KindCatalogue) { self.kinds = kinds }

    static let keys = ["from", "salt", "database", "tables"]
    static let tableKeys = ["where", "limit", "columns"]
    static let identifier = "^[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?$"

    package func parse(_ node: Node, services: [ServiceSpec], projectName: String, into r: inout NodeReader) -> [PullSpec] {
        guard let m = r.mapping(node, "pull") else { return [] }
        var out: [PullSpec] = []
        for (k, v) in m {
            guard let service = r.string(k, "a pull entry's service name") else { continue }
            guard let spec = services.first(where: { $0.name == service }) else {
                r.problem(k, "pull for unknown service '\(service)'\(Suggest.hint(service, among: services.map(\.name)))"); continue
            }
            let rules: PullRules?
            do { rules = try kinds.kind(named: spec.kind).flatMap { try PullRules.of($0) } }
            catch let e as ManifestError { r.problems += e.located; continue }
            catch { r.problem(k, "the \(spec.kind) kind's pull.yml cannot be read: \(error)"); continue }
            guard let rules else {
                let able = kinds.kinds.values.filter { (try? PullRules.of($0)) != nil }.map(\.name).sorted()
                r.problem(k, "service '\(service)' (\(spec.isGeneric ? "an image" : "kind \(spec.kind)")) cannot pull data; pull works for \(able.joined(separator: ", "))")
                continue
            }
            if rules.objects != nil {
                if let one = objectEntry(service, v, key: k, &r) { out.append(one) }
            } else if let one = entry(service, v, key: k, rules: rules, projectName: projectName, &r) { out.append(one) }
        }
        return out
    }

    private func entry(_ service: String, _ node: Node, key keyNode: Node, rules: PullRules, projectName: String, _ r: inout NodeReader) -> PullSpec? {
        guard let m = r.mapping(node, "pull.\(service)") else { return nil }
        var source: PullSource?, salt = projectName, database: String?, tables: [PullTable] = []
        for (key, value) in r.entries(m, allowed: Self.keys, context: "in pull.\(service)") {
            switch key {
            case "from": source = self.source(value, service, &r)
            case "salt": salt = r.scalarText(value, "pull.\(service).salt") ?? salt
            case "database": database = r.string(value, "pull.\(service).database")
            default: tables = self.tables(value, service, rules, &r)
            }
        }
        guard let source else {
            if m["from"] == nil { r.problem(keyNode, "pull.\(service) needs 'from:', e.g. from: { env: STAGING_DATABASE_URL }, from: staging or from: { url: \"postgres://…\" }") }
            return nil
        }
        return PullSpec(service: service, source: source, salt: salt, database: database, tables: tables,
                        line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    static let objectKeys = ["from", "bucket", "prefixes", "max_size", "max_object_size"]
    static let bucket = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"

    /// `pull.SERVICE` of a kind holding objects (see `PullObjects`).
    private func objectEntry(_ service: String, _ node: Node, key keyNode: Node, _ r: inout NodeReader) -> PullSpec? {
        guard let m = r.mapping(node, "pull.\(service)") else { return nil }
        var source: PullSource?, objects = PullObjects()
        for (key, value) in r.entries(m, allowed: Self.objectKeys, context: "in pull.\(service)") {
            switch key {
            case "from": source = self.source(value, service, objects: true, &r)
            case "bucket":
                guard let b = r.string(value, "pull.\(service).bucket") else { continue }
                if b.range(of: Self.bucket, options: .regularExpression) != nil { objects.bucket = b }
                else { r.problem(value, "'\(b)' is not a bucket name (3-63 lower-case letters, digits, '.' and '-')") }
            case "prefixes":
                for p in r.strings(value, "pull.\(service).prefixes") ?? [] {
                    if p.isEmpty || p.hasPrefix("/") { r.problem(value, "a prefix is the start of a key, not empty and without a leading '/', found '\(p)'") }
                    else { objects.prefixes.append(p) }
                }
            default:
                guard let text = r.scalarText(value, "pull.\(service).\(key)") else { continue }
                guard let n = PullObjects.size(text), n > 0 else {
                    r.problem(value, "pull.\(service).\(key) must be a size such as 5MB, 512KiB or a number of bytes, found '\(text)'"); continue
                }
                if key == "max_size" { objects.maxSize = n } else { objects.maxObjectSize = n }
            }
        }
        guard let source else {
            if m["from"] == nil { r.problem(keyNode, "pull.\(service) needs 'from:', e.g. from: { url: \"s3://staging-bucket\" }, from: staging or from: { env: VAR }") }
            return nil
        }
        return PullSpec(service: service, source: source, salt: "", database: nil, tables: [],
                        line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, objects: objects)
    }

    private func source(_ node: Node, _ service: String, objects: Bool = false, _ r: inout NodeReader) -> PullSource? {
        let shapes = objects ? "from: staging, from: { staging: S3_BUCKET }, from: { env: VAR } or from: { url: \"s3://bucket\" }"
            : "from: staging, from: { staging: DATABASE_URL }, from: { env: VAR } or from: { url: \"postgres://…\" }"
        if case .scalar(let s) = node {
            if s.string == "staging" { return .staging(key: objects ? PullSource.defaultStagingBucketKey : PullSource.defaultStagingKey) }
            r.problem(node, "pull.\(service).from must be \(shapes), found '\(s.string)'\(Suggest.hint(s.string, among: ["staging"]))"); return nil
        }
        guard let m = node.mapping, m.count == 1, let (k, v) = m.first.map({ ($0.key, $0.value) }) else {
            r.problem(node, "pull.\(service).from must be \(shapes), found \(NodeReader.describe(node))"); return nil
        }
        let got = r.entries(m, allowed: ["staging", "env", "url"], context: "in pull.\(service).from")
        guard let (key, _) = got.first, let text = r.string(v, "pull.\(service).from.\(k.string ?? "")") else { return nil }
        switch key {
        case "staging": return .staging(key: text)
        case "env":
            guard text.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                r.problem(v, "'\(text)' is not an environment variable name"); return nil
            }
            return .env(text)
        default:
            if objects {
                guard text.hasPrefix("s3://"), text.count > 5 else { r.problem(v, "pull.\(service).from.url must be s3://BUCKET or s3://BUCKET/PREFIX"); return nil }
                return .url(text)
            }
            guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
                r.problem(v, "pull.\(service).from.url must start with postgres:// or postgresql://"); return nil
            }
            return .url(text)
        }
    }

    private func tables(_ node: Node, _ service: String, _ rules: PullRules, _ r: inout NodeReader) -> [PullTable] {
        guard let m = r.mapping(node, "pull.\(service).tables") else { return [] }
        var out: [PullTable] = []
        for (k, v) in m {
            guard let name = r.string(k, "a table name") else { continue }
            if name.range(of: Self.identifier, options: .regularExpression) == nil {
                r.problem(k, "'\(name)' is not a table name (letters, digits and '_', optionally schema.table)"); continue
            }
            var table = PullTable(name: name, line: k.mark?.line ?? 0, column: k.mark?.column ?? 0)
            if case .scalar(let s) = v {
                if s.string == "skip" { table.skip = true; out.append(table) }
                else { r.problem(v, "table '\(name)' must be 'skip' or a map of where:, limit:, columns:, found '\(s.string)'\(Suggest.hint(s.string, among: ["skip"]))") }
                continue
            }
            guard let tm = r.mapping(v, "table '\(name)'") else { continue }
            for (key, value) in r.entries(tm, allowed: Self.tableKeys, context: "in table '\(name)'") {
                switch key {
                case "where": table.filter = r.string(value, "\(name).where")
                case "limit":
                    if let n = r.int(value, "\(name).limit") {
                        if n > 0 { table.limit = n } else { r.problem(value, "\(name).limit must be a positive number of rows") }
                    }
                default: table.columns = columns(value, name, rules, &r)
                }
            }
            out.append(table)
        }
        return out
    }

    private func columns(_ node: Node, _ table: String, _ rules: PullRules, _ r: inout NodeReader) -> [PullColumn] {
        guard let m = r.mapping(node, "\(table).columns") else { return [] }
        var out: [PullColumn] = []
        let names = rules.ruleNames
        for (k, v) in m {
            guard let name = r.string(k, "a column name") else { continue }
            if name.range(of: "^[A-Za-z_][A-Za-z0-9_$]*$", options: .regularExpression) == nil {
                r.problem(k, "'\(name)' is not a column name"); continue
            }
            let at = (v.mark?.line ?? 0, v.mark?.column ?? 0)
            if case .scalar(let s) = v {
                guard names.contains(s.string) else {
                    r.problem(v, "unknown rule '\(s.string)' for \(table).\(name)\(Suggest.hint(s.string, among: names)); expected one of: \(names.joined(separator: ", ")), { value: … } or { sql: … }")
                    continue
                }
                out.append(PullColumn(name: name, rule: .named(s.string), line: at.0, column: at.1)); continue
            }
            guard let rm = v.mapping, rm.count == 1 else {
                r.problem(v, "the rule for \(table).\(name) must be one of \(names.joined(separator: ", ")), { value: … } or { sql: … }, found \(NodeReader.describe(v))"); continue
            }
            for (key, value) in r.entries(rm, allowed: ["value", "sql"], context: "in the rule for \(table).\(name)") {
                if key == "value" { if let t = r.scalarText(value, "\(table).\(name).value") { out.append(PullColumn(name: name, rule: .value(t), line: at.0, column: at.1)) } }
                else if let t = r.string(value, "\(table).\(name).sql") { out.append(PullColumn(name: name, rule: .sql(t), line: at.0, column: at.1)) }
            }
        }
        return out
    }
}
