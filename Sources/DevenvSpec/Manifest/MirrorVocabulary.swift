import Foundation
import DevenvCore

/// What the kind folders tell `devenv mirror`, gathered from every kind's `mirror:` section:
/// which URL schemes a staging value may use for each mapping (`mirror.schemes`), and the names
/// staging may give a kind's version under (the kind's own name and `mirror.versions`).
/// Built from the kind catalogue, so a kind folder adds to it and Swift names no kind.
public struct MirrorVocabulary: Sendable, Equatable {
    /// Lower-cased URL scheme (before any `+`: `postgresql+asyncpg` → `postgresql`) → mapping.
    public var schemes: [String: InfraService]
    /// Each kind's version names, suggested kinds first, then by name (the first claim wins).
    public var versionNames: [(kind: String, names: Set<String>)]

    public init(schemes: [String: InfraService] = [:], versionNames: [(kind: String, names: Set<String>)] = []) {
        self.schemes = schemes; self.versionNames = versionNames
    }

    public init(_ catalogue: KindCatalogue) {
        let kinds = catalogue.kinds.values
            .filter { $0.mirror != nil }
            .sorted { a, b in
                let sa = a.initHints?.suggest ?? false, sb = b.initHints?.suggest ?? false
                return sa != sb ? sa : a.name < b.name
            }
        var schemes: [String: InfraService] = [:]
        for kind in kinds {
            guard let hints = kind.mirror, let service = InfraService(rawValue: hints.protocolName) else { continue }
            for scheme in hints.schemes where schemes[scheme.lowercased()] == nil { schemes[scheme.lowercased()] = service }
        }
        let names = kinds.map { kind in (kind: kind.name, names: Set(([kind.name] + (kind.mirror?.versions ?? [])).map { $0.lowercased() })) }
        self.init(schemes: schemes, versionNames: names)
    }

    /// The mapping a URL's scheme asks for, if any.
    public func service(forScheme scheme: String) -> InfraService? {
        let lower = scheme.lowercased()
        return schemes[lower] ?? schemes[lower.split(separator: "+").first.map(String.init) ?? lower]
    }

    /// A scheme whose URLs carry their secret only in the password (a database or cache URL).
    public func isConnectionScheme(_ scheme: String) -> Bool {
        guard let s = service(forScheme: scheme) else { return false }
        return s != .s3
    }

    /// The kind a staging version name means: a local kind that answers to it first (staging's
    /// `s3` against a local rustfs), then any kind, else the name itself.
    public func kind(forVersionName name: String, local: Set<String>) -> String {
        let lower = name.lowercased()
        let claims = versionNames.filter { $0.names.contains(lower) }.map(\.kind)
        return claims.first(where: local.contains) ?? claims.first ?? lower
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.schemes == b.schemes && a.versionNames.map(\.kind) == b.versionNames.map(\.kind)
            && a.versionNames.map(\.names) == b.versionNames.map(\.names)
    }
}
