import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The local side of mirroring, read from the stack plan: what each backing service answers
/// to here, the local service versions, and the rules with their templates rendered.
enum MirrorLocal {
    /// The first service speaking each mirror protocol (its kind's `mirror.protocol`: Postgres,
    /// MongoDB, Redis, S3), with the same values `devenv env` writes: `{{postgres.url}}` and so on.
    static func services(_ plan: StackPlan) -> LocalServices {
        func first(_ p: InfraService) -> PlannedService? { plan.services.first { $0.kind?.mirror?.protocolName == p.rawValue } }
        var local = LocalServices(vocabulary: plan.mirrorVocabulary)
        if let pg = first(.postgres), let url = pg.url {
            local.postgres = .init(url: url, databases: names(pg))
        }
        if let mongo = first(.mongodb), let url = mongo.url {
            local.mongodb = .init(url: url, databases: names(mongo))
        }
        if let redis = first(.redis), let url = redis.url {
            local.redis = .init(url: url)
        }
        if let s3 = first(.s3), let endpoint = s3.value("endpoint") {
            local.s3 = .init(endpoint: endpoint, accessKey: s3.value("access_key") ?? "",
                             secretKey: s3.value("secret_key") ?? "", region: s3.value("region") ?? "us-east-1",
                             buckets: names(s3))
        }
        return local
    }

    /// The names devenv.yml gives the service (its kind's `mirror.names` setting: databases,
    /// buckets), else its default database.
    static func names(_ s: PlannedService) -> [String] {
        if let setting = s.kind?.mirror?.names, let list = s.spec.settings[setting]?.strings, !list.isEmpty { return list }
        return [s.value("database")].compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// Local service versions by kind (the first service of each kind): `version:`, else the
    /// tag of `image:`, else the kind's default version.
    static func versions(_ plan: StackPlan) -> [String: String] {
        var out: [String: String] = [:]
        for s in plan.services where out[s.kindName] == nil {
            out[s.kindName] = s.spec.version ?? tag(of: s.requestedImage) ?? "latest"
        }
        return out
    }

    /// `postgres:15.4-alpine` → `15.4-alpine`; nil without a tag (or for a digest).
    static func tag(of image: String) -> String? {
        let name = image.split(separator: "@").first.map(String.init) ?? image
        guard let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") else { return nil }
        let t = String(name[name.index(after: colon)...])
        return t.isEmpty ? nil : t
    }

    /// `rewrite:` and `override:` values rendered against the stack (`localhost:{{ports.api}}`).
    static func rules(_ config: StagingConfig, plan: StackPlan) throws -> MirrorRules {
        var rules = config.rules
        let ctx = plan.templateContext
        func render(_ value: String, _ what: String) throws -> String {
            for ref in Templating.references(in: value) where !Templating.resolves(ref, in: ctx) {
                throw DevenvError.usage("unknown template key '{{\(ref)}}' in \(what)\(Suggest.hint(ref, among: Templating.keys(in: ctx)))",
                                        hint: "Template keys are those of env: (README: \"The manifest\").")
            }
            return try plan.manifest.templates.render(value, ctx)
        }
        rules.rewrite = try rules.rewrite.reduce(into: [:]) { $0[$1.key] = try render($1.value, "staging.rewrite.\($1.key)") }
        rules.override = try rules.override.map { ($0.key, try render($0.value, "staging.override.\($0.key)")) }
        return rules
    }
}
