import Foundation
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The round trip of one `devenv init`: the written devenv.yml planned and rendered as `devenv up`
/// renders it, then read back through `docker compose config` like the source. Every service that
/// became a kind or a generic service keeps what compose's own view of the source had, unless the
/// report names it as not carried: image, build, command, entrypoint, healthcheck, environment (rewritten
/// values: the key), container ports, volumes (target, type, read-only, a bind mount's folder), restart
/// policy, profiles, labels and every other compose key, as compose normalises them. Returns each difference.
enum InitRoundTrip {
    static func differences(source: [SourceService], manifest m: Manifest, report: InitReport, dir: String) throws -> [String] {
        let plan = try TestSupport.plan(m, identity: StackIdentity(project: m.name, root: dir, branch: nil), secrets: [:], home: TestSupport.tempDir("roundtrip"))
        let tmp = TestSupport.tempDir("roundtrip-compose")
        try ComposeRenderer.render(plan).write(toFile: tmp + "/compose.yaml", atomically: true, encoding: .utf8)
        let (status, out, err) = try TestSupport.run(["docker", "compose", "--file", tmp + "/compose.yaml", "--profile", "*", "config", "--format", "json"])
        guard status == 0 else { return ["compose cannot read the rendered stack: \(err)"] }
        let rendered = Dictionary(uniqueKeysWithValues: try ComposeSource.parse(json: Data(out.utf8)).map { ($0.name, $0) })
        var diffs: [String] = []
        for s in source {
            guard let row = report.rows.first(where: { $0.service == s.name }), let name = row.name,
                  let spec = m.service(named: name) else { continue }   // processes run on the host, not in the stack
            guard let r = rendered[name] else { diffs.append("\(s.name): not in the rendered stack"); continue }
            let said = row.notCarried.joined(separator: "\n")
            func expect(_ what: String, _ ok: Bool, mention: String) { if !ok && !said.contains(mention) { diffs.append("\(s.name) \(what)") } }
            if spec.isGeneric, let image = s.image { expect("image \(image) → \(r.image ?? "none")", r.image == image, mention: "image") }
            if let cmd = s.command { expect("command", r.command == cmd, mention: "command") }
            if let e = s.entrypoint { expect("entrypoint", r.entrypoint == e, mention: "entrypoint") }
            for dep in s.dependsOn {
                let target = report.rows.first { $0.service == dep.name }?.name ?? dep.name
                expect("depends_on \(dep.name)", r.dependsOn.contains { $0.name == target && $0.condition == dep.condition }, mention: "depends_on")
            }
            if let h = s.healthcheck, spec.isGeneric { expect("healthcheck", r.healthcheck == h, mention: "healthcheck") }
            let rewritten = Set(report.rewrites.filter { $0.service == s.name }.map(\.key))
            let env = Dictionary(r.environment.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            let owned = spec.isGeneric ? [:] : (plan.service(name)?.kind).map(InitMapper.ownedEnv) ?? [:]
            for (k, v) in s.environment where owned[k] == nil {
                // named without a value: in the rendered stack too (compose gives both as null here)
                expect("environment \(k)", env[k] != nil && (rewritten.contains(k) || env[k]! == v), mention: k)
            }
            let targets = Set(r.ports.map { "\($0.target)/\($0.proto)" })
            for p in s.ports { expect("port \(p.target)/\(p.proto)", targets.contains("\(p.target)/\(p.proto)"), mention: "port \(p.target)") }
            for v in s.volumes {
                // the same mount: a bind mount of the same folder, read-only as it was (named volumes are the stack's own)
                let same = r.volumes.contains { $0.target == v.target && $0.type == v.type && $0.readOnly == v.readOnly && (v.type != "bind" || $0.source == v.source) }
                expect("volume \(v.target)", same, mention: "volume \(v.target)")
            }
            if s.build != nil, spec.build != nil { expect("build \(s.json["build"] ?? "")", r.json["build"] == s.json["build"], mention: "build") }
            if let restart = s.restart { expect("restart \(restart)", r.restart == restart, mention: "restart") }
            if !s.profiles.isEmpty { expect("profiles", r.profiles == s.profiles, mention: "profiles") }
            for l in s.labels { expect("label \(l.key)", r.labels.contains { $0 == l }, mention: "label") }
            for k in s.otherKeys { expect("\(k) \(s.json[k] ?? "")", r.json[k] != nil && r.json[k] == s.json[k], mention: k + ":") }
        }
        return diffs
    }
}
