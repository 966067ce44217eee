import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// One difference between staging, the lock and the local files (`devenv mirror --check`).
/// Invariant: `detail` never holds a secret value; other values are shown with URL passwords masked.
public struct DriftItem: Sendable, Equatable, Encodable {
    public enum Kind: String, Sendable, Codable {
        /// A key the other side has and this side lacks.
        case missing
        /// A key this side has and the other side lacks.
        case extra
        /// Same key, different value (or a secret's digest).
        case changed
        /// A service version differs.
        case version
    }

    public var kind: Kind
    /// The key, or the service for `.version`.
    public var subject: String
    /// Where the difference shows: `staging`, `devenv.staging.lock`, a local file's path, or `local`.
    public var place: String
    public var detail: String

    public init(kind: Kind, subject: String, place: String, detail: String) {
        self.kind = kind; self.subject = subject; self.place = place; self.detail = detail
    }
}

/// A local `.env` file's keys and values, as the dotenv reader returned them.
public struct LocalEnvFile: Sendable {
    public let path: String
    public let values: [(key: String, value: String)]
    /// Each key's last value (what compose reads).
    private let last: [String: String]

    public init(path: String, values: [(key: String, value: String)]) {
        self.path = path
        self.values = values
        last = Dictionary(values.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }

    public func value(_ key: String) -> String? { last[key] }
}

/// Drift: staging ↔ lock ↔ local files, and service versions.
public enum Drift {
    static let lockPlace = StagingLock.fileName

    /// Everything at once. `staging` is the lock built from staging now (nil when unreachable);
    /// `expected` is the mapping of staging (or, without it, of the lock); `localOnly` are keys
    /// the local files may hold that staging lacks (devenv's own service keys, the team's list).
    public static func check(staging: StagingLock?, lock: StagingLock?, expected: [MirroredKey], files: [LocalEnvFile],
                             localVersions: [String: String], vocabulary: MirrorVocabulary, localOnly: Set<String> = []) -> [DriftItem] {
        var items: [DriftItem] = []
        if let staging, let lock { items += stagingVsLock(staging: staging, lock: lock) }
        if let reference = lock ?? staging { items += local(expected: expected, reference: reference, files: files, localOnly: localOnly) }
        items += versions(staging: (staging ?? lock)?.versions ?? [:], local: localVersions, vocabulary: vocabulary)
        return items
    }

    /// Staging now against the committed lock: keys added or removed, values and secrets changed, versions.
    public static func stagingVsLock(staging: StagingLock, lock: StagingLock) -> [DriftItem] {
        var items: [DriftItem] = []
        for key in Set(staging.keys.keys).union(lock.keys.keys).sorted() {
            switch (staging.keys[key], lock.keys[key]) {
            case (_?, nil):
                items.append(DriftItem(kind: .missing, subject: key, place: lockPlace,
                                       detail: "\(key) is on staging but not in \(lockPlace): run `devenv mirror`"))
            case (nil, _?):
                items.append(DriftItem(kind: .extra, subject: key, place: lockPlace,
                                       detail: "\(key) is in \(lockPlace) but no longer on staging: run `devenv mirror`"))
            case (let now?, let was?):
                if let why = difference(key, now: now, was: was) {
                    items.append(DriftItem(kind: .changed, subject: key, place: lockPlace, detail: why))
                }
            case (nil, nil): break
            }
        }
        for service in Set(staging.versions.keys).union(lock.versions.keys).sorted() where staging.versions[service] != lock.versions[service] {
            let now = staging.versions[service] ?? "none", was = lock.versions[service] ?? "none"
            items.append(DriftItem(kind: .version, subject: service, place: lockPlace,
                                   detail: "\(service): staging now runs \(now), \(lockPlace) says \(was)"))
        }
        return items
    }

    static func difference(_ key: String, now: StagingLock.Entry, was: StagingLock.Entry) -> String? {
        if now.secret != was.secret {
            return now.secret ? "\(key) is now a secret on staging" : "\(key) is no longer a secret on staging"
        }
        if let a = now.digest, let b = was.digest, a != b {
            return "\(key)\(now.secret ? " (secret)" : "") changed on staging (the source's digest differs from \(lockPlace))"
        }
        if now.secret {
            guard let a = now.sha256, let b = was.sha256, a != b else { return nil }
            return "\(key) (secret) changed on staging (its digest differs from \(lockPlace))"
        }
        guard now.value != was.value else { return nil }
        return "\(key) changed on staging: \(shown(was.value)) → \(shown(now.value))"
    }

    /// The local files against what mirroring gives: keys missing or extra, non-secret values
    /// changed, and kept secrets that differ from staging's (by digest).
    public static func local(expected: [MirroredKey], reference: StagingLock, files: [LocalEnvFile], localOnly: Set<String> = []) -> [DriftItem] {
        var items: [DriftItem] = []
        let mirrored = Set(expected.map(\.key))
        for m in expected {
            guard let want = m.localValue else { continue }
            let holders = files.count == 1 ? (files[0].value(m.key) == nil ? [] : files) : files.filter { $0.value(m.key) != nil }
            guard !holders.isEmpty else {
                items.append(DriftItem(kind: .missing, subject: m.key, place: "local",
                                       detail: "\(m.key) (\(m.kind.rawValue)) is in none of the local .env files: run `devenv mirror`"))
                continue
            }
            for file in holders {
                let have = file.value(m.key)!
                switch m.kind {
                case .secret:
                    continue  // the placeholder or the value someone set by hand: both fine
                case .kept where m.secret:
                    guard let digest = reference.keys[m.key]?.sha256,
                          StagingLock.digest(key: m.key, value: have) != digest else { continue }
                    items.append(DriftItem(kind: .changed, subject: m.key, place: file.path,
                                           detail: "\(m.key) (kept secret) in \(file.path) differs from staging's (by digest)"))
                default:
                    guard have != want else { continue }
                    let values = m.valuesPrintable ? "is \(shown(have)), mirroring gives \(shown(want))" : "differs from the mirrored value"
                    items.append(DriftItem(kind: .changed, subject: m.key, place: file.path,
                                           detail: "\(m.key) (\(m.kind.rawValue)) in \(file.path) \(values)"))
                }
            }
        }
        for file in files {
            var seen = Set<String>()
            for (key, _) in file.values where !mirrored.contains(key) && !localOnly.contains(key) && seen.insert(key).inserted {
                items.append(DriftItem(kind: .extra, subject: key, place: file.path,
                                       detail: "\(key) is in \(file.path) but not on staging"))
            }
        }
        return items
    }

    /// Staging's service versions against the local ones.
    public static func versions(staging: [String: String], local: [String: String], vocabulary: MirrorVocabulary) -> [DriftItem] {
        ServiceVersions.compare(staging: staging, local: local, vocabulary: vocabulary).map {
            DriftItem(kind: .version, subject: $0.service, place: "local", detail: $0.description)
        }
    }

    static func shown(_ value: String?) -> String {
        guard let value else { return "(no value)" }
        return "'\(Redact.forDisplay(value))'"
    }
}
