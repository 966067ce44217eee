import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A service whose staging version differs from the local one (a kind of drift).
public struct VersionMismatch: Sendable, Equatable, Codable {
    /// The kind (as the kinds' version names read staging's name), or staging's own name.
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
    /// Mismatches, sorted by service. `local` is keyed by kind; staging's names are read with
    /// the kinds' version names (`postgresql`, `pg` → postgres; `s3` → the local S3 kind).
    public static func compare(staging: [String: String], local: [String: String], vocabulary: MirrorVocabulary) -> [VersionMismatch] {
        let localKinds = Set(local.keys)
        return staging.keys.sorted().compactMap { name in
            let want = staging[name]!
            let kind = vocabulary.kind(forVersionName: name, local: localKinds)
            guard let have = local[kind] else { return VersionMismatch(service: kind, staging: want, local: nil) }
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
}
