import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// S3 settings → the local MinIO: keys by name (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_REGION`, `*_ENDPOINT`, `*_BUCKET`) and URLs by host shape (AWS S3, Cloudflare R2,
/// DigitalOcean Spaces, Google Cloud Storage, `s3://bucket/…`). Bucket URLs become path-style
/// (`http://127.0.0.1:9000/uploads/…`), which MinIO needs.
enum S3Mapping {
    static let s3Words: Set<String> = ["AWS", "S3", "MINIO", "R2", "SPACES", "B2", "STORAGE", "BUCKET"]

    enum Role { case accessKey, secretKey, sessionToken, region, endpoint, bucket }

    /// Texts one of which every role needs in the name: a name with none is no S3 setting.
    static let roleHints: [StaticString] = ["SECRET_ACCESS_KEY", "AWS", "S3", "MINIO", "R2", "SPACES", "B2", "STORAGE", "BUCKET", "ENDPOINT"]

    static func role(_ name: String, value: String?) -> Role? {
        if TextScan.asciiContainsIgnoringCase(name, any: roleHints) == false { return nil }
        let (upper, words) = SecretRules.upperWords(name)
        let s3ish = words.contains { s3Words.contains($0) }
        if TextScan.contains(upper, "SECRET_ACCESS_KEY") || (s3ish && words.contains("SECRET") && words.last == "KEY") { return .secretKey }
        if s3ish && (TextScan.contains(upper, "ACCESS_KEY") || words.contains("ACCESSKEY")) { return .accessKey }
        if s3ish && words.contains("SESSION") && words.last == "TOKEN" { return .sessionToken }
        if s3ish && words.contains("REGION") { return .region }
        if words.contains("ENDPOINT") && (s3ish || value.flatMap(ConnectionURL.init).map(isS3Host) == true) { return .endpoint }
        if words.contains("BUCKET") && !words.contains("URL") { return .bucket }
        return nil
    }

    /// A key recognised by its name; its value is a plain name or region (URLs go through `url`).
    static func byName(_ name: String, value: String?, local: LocalServices.S3?) -> InfraHit? {
        guard let role = role(name, value: value) else { return nil }
        let what: String
        switch role {
        case .accessKey: what = "S3 access key"
        case .secretKey: what = "S3 secret key"
        case .sessionToken: what = "AWS session token"
        case .region: what = "S3 region"
        case .endpoint: what = "S3 endpoint"
        case .bucket: what = "S3 bucket"
        }
        guard let local else {
            return InfraHit(service: .s3, localValue: nil, explanation: "\(what), but devenv.yml has no minio service")
        }
        switch role {
        case .accessKey: return InfraHit(service: .s3, localValue: local.accessKey, explanation: "\(what) → local MinIO's")
        case .secretKey: return InfraHit(service: .s3, localValue: local.secretKey, explanation: "\(what) → local MinIO's")
        case .sessionToken: return InfraHit(service: .s3, localValue: "", explanation: "\(what) → empty (MinIO takes no session token)")
        case .region: return InfraHit(service: .s3, localValue: local.region, explanation: "\(what) → '\(local.region)' (MinIO's)")
        case .endpoint: return InfraHit(service: .s3, localValue: trimmedEndpoint(local), explanation: "\(what) → local MinIO")
        case .bucket:
            let pick = InfraMapping.pickName(value, among: local.buckets, what: "bucket", fallbackToStaging: true)
            return InfraHit(service: .s3, localValue: pick.name ?? value, explanation: "\(what) → local MinIO\(pick.note)")
        }
    }

    /// `s3://bucket/key` or an https URL on an object-storage host.
    static func url(_ name: String, _ url: ConnectionURL, local: LocalServices.S3?) -> InfraHit? {
        let scheme = url.scheme.lowercased()
        let bucketAndRest: (bucket: String?, rest: String)
        let provider: String
        if scheme == "s3" {
            provider = "S3"
            bucketAndRest = (url.hostNames.first, url.path)
        } else if scheme == "https" || scheme == "http", let shape = hostShape(url) {
            provider = shape.provider
            bucketAndRest = shape.bucket.map { ($0, url.path) } ?? splitBucket(url.path)
        } else {
            return nil
        }
        guard let local else {
            return InfraHit(service: .s3, localValue: nil, explanation: "\(provider) URL, but devenv.yml has no minio service")
        }
        let endpointOnly = role(name, value: url.string) == .endpoint || bucketAndRest.bucket == nil
        if endpointOnly && scheme != "s3" {
            return InfraHit(service: .s3, localValue: trimmedEndpoint(local), explanation: "\(provider) endpoint → local MinIO")
        }
        let pick = InfraMapping.pickName(bucketAndRest.bucket, among: local.buckets, what: "bucket", fallbackToStaging: true)
        let bucket = pick.name ?? bucketAndRest.bucket ?? ""
        var suffix = bucketAndRest.rest
        if !url.query.isEmpty { suffix += "?" + ConnectionURL.queryText(url.query) }
        let value = scheme == "s3" ? "s3://\(bucket)\(suffix)" : "\(trimmedEndpoint(local))/\(bucket)\(suffix)"
        return InfraHit(service: .s3, localValue: value, explanation: "\(provider) bucket URL → local MinIO, path-style\(pick.note)")
    }

    static func trimmedEndpoint(_ local: LocalServices.S3) -> String {
        var e = local.endpoint
        while e.hasSuffix("/") { e.removeLast() }
        return e
    }

    static func isS3Host(_ url: ConnectionURL) -> Bool { hostShape(url) != nil }

    /// The provider of an object-storage host, and the bucket when the host carries it (virtual-hosted style).
    static func hostShape(_ url: ConnectionURL) -> (provider: String, bucket: String?)? {
        guard let host = url.hostNames.first else { return nil }
        let labels = host.split(separator: ".").map(String.init)
        if host.hasSuffix(".amazonaws.com"), let i = labels.firstIndex(where: { $0 == "s3" || $0.hasPrefix("s3-") }) {
            return ("AWS S3", i > 0 ? labels[..<i].joined(separator: ".") : nil)
        }
        if host.hasSuffix(".r2.cloudflarestorage.com") {
            return ("Cloudflare R2", labels.count > 5 ? labels[0] : nil)
        }
        if host.hasSuffix(".digitaloceanspaces.com") {
            return ("DigitalOcean Spaces", labels.count > 3 ? labels[0] : nil)
        }
        if host == "storage.googleapis.com" { return ("Google Cloud Storage", nil) }
        if host.hasSuffix(".storage.googleapis.com") { return ("Google Cloud Storage", labels[0]) }
        return nil
    }

    /// `/bucket/rest` → (`bucket`, `/rest`).
    static func splitBucket(_ path: String) -> (bucket: String?, rest: String) {
        let trimmed = path.drop { $0 == "/" }
        guard !trimmed.isEmpty else { return (nil, "") }
        if let slash = trimmed.firstIndex(of: "/") { return (String(trimmed[..<slash]), String(trimmed[slash...])) }
        return (String(trimmed), "")
    }
}

/// Host, port, user, password and database given as separate keys (`PGHOST`, `DB_PORT`,
/// `REDIS_HOST`, `MONGODB_DB_NAME`) → the local service's parts.
enum PartMapping {
    enum Part: String { case host, port, user, password, database }

    static let prefixes: [(prefix: String, service: InfraService)] = [
        ("PG", .postgres), ("POSTGRES_", .postgres), ("POSTGRESQL_", .postgres), ("DB_", .postgres), ("DATABASE_", .postgres),
        ("REDIS_", .redis), ("MONGODB_", .mongodb), ("MONGO_", .mongodb),
    ]
    static let parts: [String: Part] = [
        "HOST": .host, "HOSTNAME": .host, "PORT": .port, "USER": .user, "USERNAME": .user,
        "PASSWORD": .password, "PASS": .password, "DB": .database, "NAME": .database, "DATABASE": .database,
        "DB_NAME": .database, "DBNAME": .database,
    ]

    static func map(_ name: String, value: String, local: LocalServices) -> InfraHit? {
        let upper = name.uppercased()
        guard let (found, part) = prefixes.lazy.compactMap({ p -> (InfraService, Part)? in
            guard upper.hasPrefix(p.prefix), let part = parts[String(upper.dropFirst(p.prefix.count))] else { return nil }
            return (p.service, part)
        }).first else { return nil }
        var service = found
        if service == .postgres, local.postgres == nil, local.mongodb != nil, upper.hasPrefix("DB_") || upper.hasPrefix("DATABASE_") {
            service = .mongodb
        }
        let localURL: String?
        var names: [String] = []
        switch service {
        case .postgres: localURL = local.postgres?.url; names = local.postgres?.databases ?? []
        case .mongodb: localURL = local.mongodb?.url; names = local.mongodb?.databases ?? []
        case .redis: localURL = local.redis?.url
        case .s3: localURL = nil
        }
        let what = "\(service.rawValue) \(part.rawValue)"
        guard let localURL, let url = ConnectionURL(localURL) else {
            return InfraHit(service: service, localValue: nil, explanation: "staging \(what), but devenv.yml has no \(service.rawValue) service")
        }
        let decode = { (s: String?) in s.map { $0.removingPercentEncoding ?? $0 } }
        var out: String?
        var note = ""
        switch part {
        case .host: out = url.hostNames.first
        case .port: out = url.port.map(String.init)
        case .user: out = decode(url.user)
        case .password: out = decode(url.password)
        case .database:
            if service == .redis { out = Int(value) != nil ? value : (url.firstPathSegment ?? "0") } else {
                if names.isEmpty, let own = url.firstPathSegment { names = [own] }
                let pick = InfraMapping.pickName(value, among: names, what: "database", fallbackToStaging: true)
                (out, note) = (pick.name, pick.note)
            }
        }
        return InfraHit(service: service, localValue: out ?? "", explanation: "staging \(what) → local \(service.rawValue)'s\(note)")
    }
}
