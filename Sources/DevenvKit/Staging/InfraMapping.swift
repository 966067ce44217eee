import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform


/// A staging value recognised as infrastructure, and what it becomes locally.
/// Invariant: `localValue` is nil exactly when `devenv.yml` has no such service; `explanation`
/// names hosts, databases and dropped parameters, never a password.
public struct InfraHit: Sendable, Equatable {
    public var service: InfraService
    public var localValue: String?
    public var explanation: String
}

/// Recognising infrastructure by URL scheme and host shape (and, for S3 and host/port parts,
/// by key name) and pointing it at the local stack.
///
/// - Postgres keeps staging's scheme (`postgresql+asyncpg` stays) and database name when the
///   manifest has it (also `app_staging` → `app`); it drops TLS and pooler-only parameters.
/// - MongoDB `+srv` becomes a plain `mongodb://host:port` URL. `retryWrites` is dropped: the local
///   server is a standalone, which has no retryable writes (modern drivers default it on and skip
///   it there; old ones fail), and `replicaSet`, `tls*`/`ssl`, `authSource`, `authMechanism` go too.
///   `w`, `appName`, pool sizes stay: they work on a standalone.
/// - Redis keeps the database index; `rediss` becomes `redis`; `ssl*`, `tls*`, `family` are dropped.
public enum InfraMapping {
    public static func map(_ v: StagingVar, local: LocalServices) -> InfraHit? {
        guard let value = v.value else { return byNameOnly(v.name, local: local) }
        let trimmed = TextScan.trimmingBlanks(value)
        if let url = ConnectionURL(trimmed), !TextScan.contains(trimmed, " ") {
            switch local.vocabulary.service(forScheme: url.scheme) {
            case .postgres: return postgres(url, local: local.postgres)
            case .mongodb: return mongodb(url, local: local.mongodb)
            case .redis: return redis(url, local: local.redis)
            case .s3, nil: if let hit = S3Mapping.url(v.name, url, local: local.s3) { return hit }
            }
        }
        return S3Mapping.byName(v.name, value: trimmed, local: local.s3) ?? PartMapping.map(v.name, value: trimmed, local: local)
    }

    /// Fly and locks give names without values: a conventional URL name still says which service it is.
    static func byNameOnly(_ name: String, local: LocalServices) -> InfraHit? {
        let words = name.uppercased().split(separator: "_").map(String.init)
        guard words.last == "URL" || words.last == "URI" else { return S3Mapping.byName(name, value: nil, local: local.s3) }
        let note = "(staging gives the name only)"
        if words.contains(where: { $0.hasPrefix("MONGO") }) {
            return InfraHit(service: .mongodb, localValue: local.mongodb?.url, explanation: described("MongoDB URL \(note)", .mongodb, local.mongodb != nil))
        }
        if words.contains(where: { $0.hasPrefix("REDIS") || $0 == "KV" || $0 == "CACHE" }) {
            return InfraHit(service: .redis, localValue: local.redis?.url, explanation: described("Redis URL \(note)", .redis, local.redis != nil))
        }
        if words.contains(where: { ["DATABASE", "DB", "POSTGRES", "POSTGRESQL", "PG"].contains($0) }) {
            return InfraHit(service: .postgres, localValue: local.postgres?.url, explanation: described("Postgres URL \(note)", .postgres, local.postgres != nil))
        }
        return nil
    }

    /// Whether a name alone says it holds a Postgres, MongoDB or Redis URL (`DATABASE_URL`,
    /// `MONGODB_URI`, `REDIS_URL`): such a key is mapped even when staging hides its value.
    static func isConnectionName(_ name: String) -> Bool {
        guard let hit = byNameOnly(name, local: LocalServices()) else { return false }
        return hit.service != .s3
    }

    static func described(_ what: String, _ service: InfraService, _ present: Bool) -> String {
        present ? "\(what) → local \(service.rawValue)" : "\(what), but devenv.yml has no \(service.rawValue) service"
    }

    static func postgres(_ url: ConnectionURL, local: LocalServices.Postgres?) -> InfraHit {
        let what = "Postgres" + onProvider(url)
        guard let local, var out = ConnectionURL(local.url) else {
            return InfraHit(service: .postgres, localValue: nil, explanation: described(what, .postgres, false))
        }
        let localDBs = local.databases.isEmpty ? [out.firstPathSegment].compactMap { $0 } : local.databases
        let db = pickName(url.firstPathSegment, among: localDBs, what: "database")
        out.scheme = url.scheme
        if let name = db.name { out.path = "/" + name }
        var q = url
        let dropped = q.removeQuery { name, value in
            let n = name.lowercased()
            return n.hasPrefix("ssl") || ["channel_binding", "pgbouncer", "host", "hostaddr", "gssencmode"].contains(n)
                || (n == "options" && (value ?? "").lowercased().contains("endpoint"))
        }
        out.query = q.query
        return InfraHit(service: .postgres, localValue: out.string,
                        explanation: "\(what) → local postgres\(db.note)\(droppedNote(dropped))")
    }

    static func mongodb(_ url: ConnectionURL, local: LocalServices.MongoDB?) -> InfraHit {
        let srv = url.scheme.lowercased() == "mongodb+srv"
        let what = (url.hostNames.contains { $0.hasSuffix(".mongodb.net") } ? "MongoDB Atlas" : "MongoDB" + onProvider(url))
            + (srv ? " (mongodb+srv)" : "")
        guard let local, var out = ConnectionURL(local.url) else {
            return InfraHit(service: .mongodb, localValue: nil, explanation: described(what, .mongodb, false))
        }
        var db = (name: String?.none, note: "")
        if let staged = url.firstPathSegment {
            let localDBs = local.databases.isEmpty ? [out.firstPathSegment].compactMap { $0 } : local.databases
            db = pickName(staged, among: localDBs, what: "database", fallbackToStaging: true)
            if let name = db.name { out.path = "/" + name }
        }
        var q = url
        let dropped = q.removeQuery { name, _ in
            let n = name.lowercased()
            return n.hasPrefix("ssl") || n.hasPrefix("tls") || n.hasPrefix("srv")
                || ["retrywrites", "replicaset", "authsource", "authmechanism", "authmechanismproperties", "loadbalanced", "directconnection"].contains(n)
        }
        let have = Set(out.query.map { $0.name.lowercased() })
        out.query += q.query.filter { !have.contains($0.name.lowercased()) }
        let srvNote = srv ? "; +srv converted to a plain host:port URL" : ""
        return InfraHit(service: .mongodb, localValue: out.string,
                        explanation: "\(what) → local mongodb\(db.note)\(srvNote)\(droppedNote(dropped))")
    }

    static func redis(_ url: ConnectionURL, local: LocalServices.Redis?) -> InfraHit {
        let tls = url.scheme.lowercased() == "rediss"
        let what = "Redis" + onProvider(url) + (tls ? " (rediss)" : "")
        guard let local, var out = ConnectionURL(local.url) else {
            return InfraHit(service: .redis, localValue: nil, explanation: described(what, .redis, false))
        }
        var note = ""
        if let index = url.firstPathSegment, Int(index) != nil {
            out.path = "/" + index
            note = ", database \(index)"
        }
        var q = url
        let dropped = q.removeQuery { name, _ in
            let n = name.lowercased()
            return n.hasPrefix("ssl") || n.hasPrefix("tls") || n == "family"
        }
        out.query = q.query
        return InfraHit(service: .redis, localValue: out.string,
                        explanation: "\(what) → local redis\(note)\(tls ? " without TLS" : "")\(droppedNote(dropped))")
    }

    static func droppedNote(_ names: [String]) -> String {
        names.isEmpty ? "" : "; dropped \(names.joined(separator: ", "))"
    }

    static func onProvider(_ url: ConnectionURL) -> String {
        provider(url.hostNames).map { " on \($0)" } ?? url.hostNames.first.map { " at \($0)" } ?? ""
    }

    /// The hosting a host name belongs to, by its shape.
    public static func provider(_ hosts: [String]) -> String? {
        for h in hosts {
            if let hit = providers.first(where: { $0.test(h) }) { return hit.name }
        }
        return nil
    }

    /// Host shapes of the hostings, first match wins (built once, not per host).
    static let providers: [(test: @Sendable (String) -> Bool, name: String)] = [
                ({ $0.hasSuffix(".rds.amazonaws.com") }, "AWS RDS"),
                ({ $0.hasSuffix(".cache.amazonaws.com") }, "AWS ElastiCache"),
                ({ $0.hasSuffix(".compute-1.amazonaws.com") || $0.hasSuffix(".compute.amazonaws.com") }, "AWS EC2 (Heroku)"),
                ({ $0.hasSuffix(".render.com") || $0.hasPrefix("dpg-") || $0.hasPrefix("red-") }, "Render"),
                ({ $0.hasSuffix(".railway.internal") || $0.hasSuffix(".rlwy.net") || $0.hasSuffix(".railway.app") }, "Railway"),
                ({ $0.hasSuffix(".ec2.internal") || $0.hasSuffix(".compute.internal") }, "AWS EC2"),
                ({ $0.hasSuffix(".flycast") || $0.hasSuffix(".fly.dev") || isFlyPrivateName($0) }, "Fly.io"),
                ({ $0.hasSuffix(".supabase.co") || $0.hasSuffix(".supabase.com") }, "Supabase"),
                ({ $0.hasSuffix(".neon.tech") }, "Neon"),
                ({ $0.hasSuffix(".mongodb.net") }, "MongoDB Atlas"),
                ({ $0.hasSuffix(".upstash.io") }, "Upstash"),
                ({ $0.hasSuffix(".redis-cloud.com") || $0.hasSuffix(".redislabs.com") }, "Redis Cloud"),
                ({ $0 == "localhost" || $0.hasPrefix("127.") }, "this machine"),
            ]

    /// Fly's private DNS (`APP.internal`, `REGION.APP.internal`, `top2.nearest.of.APP.internal`),
    /// not every `.internal` name: AWS (`*.ec2.internal`) and Google Cloud (`*.c.PROJECT.internal`)
    /// use the suffix too.
    static func isFlyPrivateName(_ host: String) -> Bool {
        guard host.hasSuffix(".internal") else { return false }
        let labels = host.split(separator: ".")
        if labels.count >= 4, labels[labels.count - 3] == "c" { return false }
        return labels.count <= 3 || host.contains(".nearest.of.")
    }

    /// The local name for a staging database or bucket: the same name when the manifest has it,
    /// else the one left when staging words are taken out (`app_staging`, `uploads-stg`), else a
    /// local name that is a word of it (`rorun-uploads-staging` → `uploads`), else the local default.
    /// With no local names: staging's (`fallbackToStaging`) or nil.
    static func pickName(_ staged: String?, among local: [String], what: String, fallbackToStaging: Bool = false) -> (name: String?, note: String) {
        guard let staged, !staged.isEmpty else { return (local.first, local.first.map { ", \(what) '\($0)'" } ?? "") }
        if local.contains(staged) { return (staged, ", \(what) '\(staged)'") }
        let stagingWords: Set<String> = ["staging", "stage", "stg", "preview", "prod", "production", "dev"]
        let parts = staged.split { "_-.".contains($0) }.map(String.init)
        let kept = parts.filter { !stagingWords.contains($0.lowercased()) }
        for sep in ["_", "-", "."] where local.contains(kept.joined(separator: sep)) {
            let name = kept.joined(separator: sep)
            return (name, ", \(what) '\(name)' (staging's is '\(staged)')")
        }
        if let name = local.first(where: { parts.contains($0) }) {
            return (name, ", \(what) '\(name)' (staging's is '\(staged)')")
        }
        if let first = local.first { return (first, ", \(what) '\(first)' (staging's '\(staged)' is not in devenv.yml)") }
        return fallbackToStaging ? (staged, ", \(what) '\(staged)'") : (nil, "")
    }
}
