import Foundation
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvKit

/// Scores one `devenv init` against compose's own normalised view of the source: every
/// service's image, build, command, entrypoint, depends_on, healthcheck (a kind's: its own probe), environment
/// variable, port, volume, restart policy, profiles, label and every other compose key is either found in the
/// written (and re-read) devenv.yml, or named in the report's "not carried" lines; anything
/// else is a silent loss.
struct InitFaithfulness {
    enum Outcome: String { case faithful, saysWhatItLost = "says what it lost", refused, silentLoss = "silent loss", crashed }
    var outcome: Outcome
    var items = 0
    var carried = 0
    var lost: [String] = []
    var silent: [String] = []
    var detail = ""
    /// What the rendered stack lost of the source without a word (`InitRoundTrip`).
    var roundTrip: [String] = []

    static func score(source: [SourceService], manifest m: Manifest, report: InitReport, kinds: KindCatalogue) -> InitFaithfulness {
        var f = InitFaithfulness(outcome: .faithful)
        for s in source {
            guard let row = report.rows.first(where: { $0.service == s.name }) else {
                f.items += 1; f.silent.append("\(s.name): no row in the report"); continue
            }
            let said = (row.notCarried + report.undecided.filter { $0.hasPrefix(s.name + " ") }).joined(separator: "\n")
            func check(_ what: String, _ ok: Bool, mention: String) {
                f.items += 1
                if ok { f.carried += 1; return }
                f.lost.append("\(s.name) \(what)")
                if !said.contains(mention) && !said.contains("the whole service") { f.silent.append("\(s.name) \(what)") }
            }
            let spec = row.name.flatMap { n in m.services.first { $0.name == n } }
            let process = row.name.flatMap { n in m.processes.first { $0.name == n } }
            let kind = spec.flatMap { kinds.kinds[$0.kind] }
            let owned = kind.map { InitMapper.ownedEnv($0) } ?? [:]
            let rewritten = Set(report.rewrites.filter { $0.service == s.name }.map(\.key))
            let undecided = report.undecided.filter { $0.hasPrefix(s.name + " ") }
            let envFile = process.map { p in (p.cwd.map { $0 + "/" } ?? "") + ".env" }
            check("service", spec != nil || process != nil, mention: "the whole service")
            if let image = s.image, s.build == nil {
                check("image \(image)", spec?.image == image || (kind != nil && spec?.version != nil), mention: "image")
            }
            if let cmd = s.command, !cmd.isEmpty {
                let words = cmd.map { $0.replacingOccurrences(of: "$$", with: "$") }
                let ok = spec?.command == words || process.map { p -> Bool in
                    if case .shell(let line) = p.run { return ShellWords.split(line) == words }
                    return false
                } == true
                check("command", ok, mention: "command")
            }
            if let e = s.entrypoint {
                check("entrypoint", spec?.entrypoint == e.map { $0.replacingOccurrences(of: "$$", with: "$") }, mention: "entrypoint")
            }
            if let h = s.healthcheck {
                let test = h.map { $0.replacingOccurrences(of: "$$", with: "$") }
                let ok = kind.map { k in spec?.isGeneric == false && k.probe.type != .none }
                    ?? (spec?.healthcheck == HealthcheckSpec(test: test, options: s.healthcheckOptions))
                check("healthcheck", ok, mention: "healthcheck")
            }
            for dep in s.dependsOn {
                // under the devenv name of the service it became; a process waits for it by name
                let target = report.rows.first { $0.service == dep.name }?.name
                let ok = target.map { t in spec?.dependsOn.contains(DependsOnSpec(name: t, condition: dep.condition)) == true
                    || process?.depends.contains(t) == true } ?? false
                check("depends_on \(dep.name) (\(dep.condition))", ok, mention: "depends_on")
            }
            for (k, v) in s.environment {
                let value = v?.replacingOccurrences(of: "$$", with: "$")
                var ok = false
                if owned[k] != nil { ok = true }
                else if let spec, value == nil { ok = spec.fromShell.contains(k) }   // compose takes it from its shell; so does the stack
                else if let spec { ok = spec.environment.contains { $0.key == k && ($0.value == value || rewritten.contains(k)) } }
                else if let envFile {
                    ok = m.envTargets.contains { t in t.path == envFile && t.keys.contains { $0.key == k && ($0.template == value || rewritten.contains(k)) } }
                }
                if undecided.contains(where: { $0.contains(" \(k) ") }) { ok = false }
                check("environment \(k)", ok, mention: k)
            }
            for p in s.ports {
                var ok = false
                if let spec, let kind { ok = p.proto == "tcp" && kind.ports.contains { $0.container == p.target } && !spec.isGeneric }
                if let spec, spec.isGeneric { ok = spec.ports.contains { $0.container == p.target && $0.proto == p.proto } }
                if process != nil { ok = p.proto == "tcp" && m.appPorts.contains { $0.name == row.name && $0.port == (p.published ?? p.target) } && (p.published ?? p.target) == p.target }
                check("port \(p.target)/\(p.proto)", ok, mention: "port \(p.target)")
            }
            if s.build != nil {   // a container keeps compose's build (the round trip compares it); a process runs the folder itself
                check("build", spec?.build != nil || process != nil, mention: "build")
            }
            if !s.profiles.isEmpty { check("profiles \(s.profiles.joined(separator: ","))", spec?.profiles == s.profiles, mention: "profiles") }
            if let r = s.restart, r != "unless-stopped" {
                // devenv restarts a process that dies, as compose's always would
                check("restart \(r)", spec?.restart == r || (process != nil && r == "always"), mention: "restart")
            }
            for l in s.labels {
                check("label \(l.key)", spec?.labels.contains { $0.key == l.key && $0.value == l.value.replacingOccurrences(of: "$$", with: "$") } == true, mention: "label")
            }
            // carried as written, or the kind's compose fragment sets the same value (the round trip compares them)
            for k in s.otherKeys { check(k, spec?.option(k) != nil || row.carried.contains("key \(k) (the kind's own)"), mention: k + ":") }
            for v in s.volumes {
                // a kind's data path: carried by the kind's own volume only where compose had a volume there (a host folder is not)
                let ok = spec.map { sp in (v.target == kind?.dataPath && v.type == "volume") || sp.volumes.contains { $0.hasSuffix(":" + v.target) || $0.hasSuffix(":" + v.target + ":ro") || $0 == v.target } } ?? false
                check("volume \(v.target)", ok, mention: "volume \(v.target)")
            }
        }
        f.outcome = !f.silent.isEmpty ? .silentLoss : f.lost.isEmpty ? .faithful : .saysWhatItLost
        return f
    }
}
