import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// What `devenv init` recognises, from each kind's `init:` block: compose images, URL schemes
/// and `.env.example` keys. Where two kinds claim the same thing, the one with
/// `suggest: true` wins (RustFS over the archived MinIO for S3 keys), then the name.
struct InitHintTable {
    let kinds: [ServiceKind]

    init(_ catalogue: KindCatalogue) {
        kinds = catalogue.kinds.values.filter { $0.initHints != nil }
            .sorted { ($0.initHints!.suggest ? 0 : 1, $0.name) < ($1.initHints!.suggest ? 0 : 1, $1.name) }
    }

    /// A compose image repository (`postgis/postgis`, `docker.io/library/postgres`) as a kind.
    func kind(forImage repo: String) -> ServiceKind? {
        let bare = repo.replacingOccurrences(of: "docker.io/library/", with: "").replacingOccurrences(of: "docker.io/", with: "")
        return kinds.first { $0.initHints!.images.contains(bare) }
            ?? kinds.first { k in k.initHints!.images.contains { $0.split(separator: "/").last == bare.split(separator: "/").last } }
    }

    /// The kind a `.env.example` line points at and the `env:` template for it.
    func guess(key: String, value: String) -> (String, String)? {
        if let scheme = value.range(of: "://").map({ String(value[..<$0.lowerBound]).lowercased() }),
           let kind = kinds.first(where: { $0.initHints!.schemes.contains(scheme) }) {
            return (kind.name, template(kind, key: key) ?? "{{\(kind.name).url}}")
        }
        for kind in kinds { if let t = template(kind, key: key) { return (kind.name, t) } }
        return nil
    }

    /// The kind's `init.env` template for `key`, with its keys under the service's name
    /// (`{{url}}` → `{{postgres.url}}`).
    func template(_ kind: ServiceKind, key: String) -> String? {
        guard let t = kind.initHints!.env.first(where: { $0.key == key })?.template else { return nil }
        return t.replacingOccurrences(of: "{{", with: "{{\(kind.name).")
    }
}
