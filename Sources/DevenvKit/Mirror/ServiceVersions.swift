import Foundation

/// A service whose staging version differs from the local one (a kind of drift).
public struct VersionMismatch: Sendable, Equatable, Codable {
    /// Service kind: `postgres`, `redis`, `mongodb`, `minio`, or another name.
    public var service: String
    public var staging: String
    /// Nil when `devenv.yml` has no such service.
    public var local: String?

    public var description: String {
        guard let local else { return "staging runs \(service) \(staging), but devenv.yml has no \(service) service" }
        return "\(service): staging runs \(staging), local is \(local)"
    }
}

/// Comparing staging's service versions (`staging.versions` in the manifest, or a versions
/// command) with the local services'.
///
/// Versions compare on the numbers both sides give: local `15` matches staging `15.4` (the
/// image tag `15` is the newest 15.x), local `7.0` does not match staging `7.2`. Prefixes and
/// suffixes (`v`, `-alpine`) are ignored; an unpinned local `latest` never matches.
public enum ServiceVersions {
    /// Mismatches, sorted by service.
    public static func compare(staging: [String: String], local: [String: String]) -> [VersionMismatch] {
        var localByKind: [String: String] = [:]
        for (name, version) in local { localByKind[canonical(name)] = version }
        return staging.keys.sorted().compactMap { name in
            let want = staging[name]!
            let kind = canonical(name)
            guard let have = localByKind[kind] else { return VersionMismatch(service: kind, staging: want, local: nil) }
            return matches(staging: want, local: have) ? nil : VersionMismatch(service: kind, staging: want, local: have)
        }
    }

    /// True when the versions agree on every number both give.
    public static func matches(staging: String, local: String) -> Bool {
        let a = numbers(staging), b = numbers(local)
        guard !a.isEmpty, !b.isEmpty else { return staging.lowercased() == local.lowercased() && local.lowercased() != "latest" }
        return zip(a, b).allSatisfy { $0 == $1 }
    }

    /// `v15.4.1-alpine` → [15, 4, 1].
    static func numbers(_ version: String) -> [Int] {
        let start = version.drop { !$0.isNumber }
        let head = start.prefix { $0.isNumber || $0 == "." }
        return head.split(separator: ".").compactMap { Int($0) }
    }

    /// `postgresql`, `pg` → `postgres`; `mongo` → `mongodb`; `valkey` stays its own; `s3` → `minio`.
    public static func canonical(_ name: String) -> String {
        switch name.lowercased() {
        case "postgresql", "pg", "postgres": return "postgres"
        case "mongo", "mongodb": return "mongodb"
        case "s3", "minio": return "minio"
        default: return name.lowercased()
        }
    }
}
