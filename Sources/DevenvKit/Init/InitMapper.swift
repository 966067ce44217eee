import Foundation
import DevenvCore
import DevenvSpec

/// Accounts for every compose service: a kind (only for an image family and tag the kind
/// runs, from each kind's `init:` in its folder), a generic service with its exact image, an app
/// process, or a "not carried: WHAT: WHY" line. Everything of a service devenv.yml has no place
/// for is named in the report, never dropped without a word.
struct InitMapper {
    let hints: InitHintTable
    /// The project folder (bind mounts and build contexts are made relative to it).
    let dir: String
    /// compose's normalised view escapes a literal `$` as `$$`; the plain YAML read keeps text as written.
    let unescapeDollars: Bool

    /// compose name → (devenv name, kind, the kind's own env values in the source).
    struct Backing { var name: String; var kind: ServiceKind; var owned: [String: String] }

    func map(_ services: [SourceService], into d: inout InitDetection) {
        var taken = Set<String>()
        func unique(_ raw: String) -> String {
            var n = String(InitProcesses.name(for: raw).prefix(ServiceSpec.maxNameLength))
            if n.isEmpty { n = "service" }
            while taken.contains(n) { n += "-2" }
            taken.insert(n)
            return n
        }
        var names: [String: String] = [:]
        var backing: [String: Backing] = [:]
        // Backing services first, so that the others' values can be rewritten to theirs.
        for s in services { names[s.name] = unique(s.name) }
        var genericWhy: [String: String] = [:]
        for s in services {
            // An entrypoint of its own replaces what the kind's image runs: such a service stays generic.
            guard s.build == nil, s.entrypoint == nil, let image = s.image, let (kind, _, _) = kindFor(image) else { continue }
            let owned = Self.ownedEnv(kind)
            if let why = keptGeneric(s, image: image, kind: kind) { genericWhy[s.name] = why; continue }
            var values: [String: String] = [:]
            for (k, v) in s.environment where owned[k] != nil && Self.isOwned(kind, k, v.map(text)) { values[k] = v.map(text) }
            backing[s.name] = Backing(name: names[s.name]!, kind: kind, owned: values)
        }
        var rewriter = InitRewriter(backing: backing, hints: hints)
        // Services another waits to complete: steps that run once, kept as containers.
        let steps = Set(services.flatMap { $0.dependsOn.filter { $0.condition == "service_completed_successfully" }.map(\.name) })
        var processes = Set<String>()
        for s in services where s.build != nil && willRun(s) && hostLosses(s, step: steps.contains(s.name)).isEmpty { processes.insert(s.name) }
        for s in services where processes.contains(s.name) {
            if let p = s.ports.first(where: { $0.proto == "tcp" }) { rewriter.apps[s.name] = (names[s.name]!, p.published ?? p.target, p.target) }
        }
        // Each published TCP port as the port devenv publishes it on: a process's own, a kind's by name, a generic service's.
        for s in services {
            let name = names[s.name]!
            for p in s.ports where p.proto == "tcp" {
                guard let h = p.published else { continue }
                if processes.contains(s.name) { if p.target == rewriter.apps[s.name]?.target { rewriter.published[h] = "{{ports.\(name)}}" }; continue }
                if let b = backing[s.name] {
                    if let own = b.kind.ports.first(where: { $0.container == p.target }) { rewriter.published[h] = "{{\(name).ports.\(own.name)}}" }
                    continue
                }
                if let port = Self.portNames(s).first(where: { $0.target == p.target && $0.proto == "tcp" }) { rewriter.published[h] = "{{\(name).ports.\(port.name)}}" }
            }
        }
        for s in services {
            var row = InitReport.Row(service: s.name, became: "not carried", name: names[s.name])
            if let b = backing[s.name] {
                mapKind(s, b, &row, &d)
            } else if s.build != nil || s.image == nil {
                mapApp(s, names: names, rewriter: rewriter, process: processes.contains(s.name), losses: hostLosses(s, step: steps.contains(s.name)), &row, &d)
            } else {
                if let why = genericWhy[s.name] { d.report.warnings.append(why) }
                mapGeneric(s, rewriter: rewriter, keptGeneric: genericWhy[s.name] != nil, &row, &d)
            }
            if row.became == "not carried" { row.name = nil }
            d.report.rows.append(row)
        }
        carryDependsOn(services, steps: steps, &d)
    }

    /// Each service's `depends_on`, once every service is mapped: a dependency on a service of
    /// the stack (a kind or a generic one, under its devenv name) is carried with its condition;
    /// one on an app process or a service not carried is named. A step others wait to complete
    /// that compose gives no `restart:` does not restart in compose: it gets `restart: "no"`.
    private func carryDependsOn(_ services: [SourceService], steps: Set<String>, _ d: inout InitDetection) {
        let inStack = Set(d.services.map(\.name))
        var devenvName: [String: String] = [:]
        for r in d.report.rows { if let n = r.name, inStack.contains(n) { devenvName[r.service] = n } }
        for s in services where steps.contains(s.name) && s.restart == nil {
            guard let n = devenvName[s.name], let ci = d.services.firstIndex(where: { $0.name == n }),
                  let ri = d.report.rows.firstIndex(where: { $0.service == s.name }) else { continue }
            d.services[ci].restart = "no"
            d.report.rows[ri].carried.append("restart no (a step others wait to complete; compose does not restart it)")
        }
        for s in services where !s.dependsOn.isEmpty {
            guard let ri = d.report.rows.firstIndex(where: { $0.service == s.name }), d.report.rows[ri].became != "process",
                  let ci = d.services.firstIndex(where: { $0.name == d.report.rows[ri].name }) else { continue }
            for dep in s.dependsOn {
                guard DependsOnSpec.conditions.contains(dep.condition) else {
                    d.report.rows[ri].notCarried.append("depends_on \(dep.name) (\(dep.condition)): not a condition compose has")
                    continue
                }
                guard let target = devenvName[dep.name] else {
                    d.report.rows[ri].notCarried.append("depends_on \(dep.name): not a service of devenv's stack")
                    continue
                }
                d.services[ci].dependsOn.append(DependsOnSpec(name: target, condition: dep.condition))
                d.report.rows[ri].carried.append("depends_on \(dep.name)")
            }
        }
    }

    /// A generic service's ports as devenv.yml names them: the first `main`, then `p8080`, `udp53`.
    static func portNames(_ s: SourceService) -> [(name: String, target: Int, proto: String)] {
        var seen = Set<String>(), out: [(name: String, target: Int, proto: String)] = []
        for p in s.ports where ["tcp", "udp"].contains(p.proto) && seen.insert("\(p.target)/\(p.proto)").inserted {
            out.append((out.isEmpty ? "main" : (p.proto == "udp" ? "udp\(p.target)" : "p\(p.target)"), p.target, p.proto))
        }
        return out
    }

    /// The kind that runs `image` (its family and tag rule), the version and a note.
    func kindFor(_ image: String) -> (ServiceKind, String, String?)? {
        guard !image.contains("@"), !image.contains("$") else { return nil }
        let (repo, tag) = Self.split(image)
        guard let kind = hints.kind(forImage: repo) else { return nil }
        guard let tag, tag != "latest" else {
            return (kind, kind.version, "image \(image) has no version: pinned to \(kind.name) \(kind.version), devenv's default")
        }
        let rule = kind.initHints?.tags ?? ".*"
        guard tag.range(of: "^(?:" + rule + ")$", options: .regularExpression) != nil else { return nil }
        return (kind, tag, nil)
    }

    static func split(_ image: String) -> (String, String?) {
        guard let colon = image.lastIndex(of: ":"), !image[colon...].contains("/") else { return (image, nil) }
        return (String(image[..<colon]), String(image[image.index(after: colon)...]))
    }

    /// Whether the compose file's `key=value` is the kind's own: a variable the kind fills from
    /// the stack (`{{password}}`), or one it gives the same fixed value. A different value of a
    /// fixed one (postgres's POSTGRES_INITDB_ARGS) is the user's, carried over the kind's.
    static func isOwned(_ kind: ServiceKind, _ key: String, _ value: String?) -> Bool {
        guard let template = ownedEnv(kind)[key] else { return false }
        return Templating.hasTags(template) || value == template
    }

    /// The kind's compose `environment:` (its own variables) as key → template.
    static func ownedEnv(_ kind: ServiceKind) -> [String: String] {
        var out: [String: String] = [:]
        for (key, template) in kind.compose.environmentTemplates { out[key] = template }
        for s in kind.initHints?.settings ?? [] { for v in s.variables where out[v] == nil { out[v] = "{{\(s.setting)}}" } }
        for a in kind.initHints?.aliases ?? [] where out[a.name] == nil { out[a.name] = out[a.variable] }
        return out
    }

    func text(_ s: String) -> String { unescapeDollars ? s.replacingOccurrences(of: "$$", with: "$") : s }

    private func mapKind(_ s: SourceService, _ b: Backing, _ row: inout InitReport.Row, _ d: inout InitDetection) {
        let (kind, version, note) = kindFor(s.image!)!
        var c = InitOperation.Choice(name: b.name, version: version)
        c.kind = kind.name
        row.became = "kind \(kind.name)"
        row.carried.append("image \(s.image!) → \(kind.name) \(version)")
        if let note { d.report.warnings.append("\(s.name): \(note)") }
        for setting in kind.initHints?.settings ?? [] {
            guard let value = setting.variables.lazy.compactMap({ v in s.environment.first { $0.key == v }?.value }).first, !value.isEmpty else { continue }
            if kind.setting(setting.setting)?.type == .list { c.listSettings.append(.init(key: setting.setting, value: text(value))) }
        }
        for (k, v) in s.environment {
            if b.owned[k] != nil || Self.isOwned(kind, k, v.map(text)) { row.carried.append("\(k) (the kind's own)"); continue }
            guard let v else { c.fromShell.append(k); row.carried.append("env \(k) (from the shell, as compose took it)"); continue }
            if k.hasSuffix("_FILE"), Self.ownedEnv(kind)[String(k.dropLast(5))] != nil {
                row.notCarried.append("environment \(k): the \(kind.name) kind sets \(k.dropLast(5)) itself (the image refuses both)"); continue
            }
            c.env.append(.init(key: k, value: text(v)))
            row.carried.append("env \(k)")
        }
        if let cmd = s.command { c.command = cmd.map(text); row.carried.append("command") }
        for v in s.volumes {
            if v.target == kind.dataPath {
                if v.type == "volume" { row.carried.append("volume \(v.target) (the kind's data volume)") }
                else {   // a host folder: devenv keeps a kind's data in a volume of the stack (snapshots, branches)
                    row.notCarried.append("volume \(v.target): the data stays in \(v.source.map(relative) ?? "the \(v.type) mount"); the \(kind.name) kind keeps its data in a volume of the stack, which starts empty")
                }
                continue
            }
            if let spec = volume(v) { c.volumes.append(spec); row.carried.append("volume \(v.target)") }
            else { row.notCarried.append("volume \(v.target): devenv.yml has no \(v.type) mounts") }
        }
        for p in s.ports {
            if p.proto == "tcp", let own = kind.ports.first(where: { $0.container == p.target }) {
                row.carried.append("port \(p.target) (the kind's \(own.name); host port chosen by devenv)")
            }
            else { row.notCarried.append("port \(p.target)/\(p.proto): the \(kind.name) kind publishes only its own ports") }
        }
        if s.healthcheck != nil { row.carried.append("healthcheck (the kind's own probe)") }
        if let e = s.entrypoint { row.notCarried.append("entrypoint \(e.joined(separator: " ")): devenv.yml services have no entrypoint") }
        carryCompose(s, kind: kind, &c, &row, &d)
        d.services.append(c)
    }

    /// A generic service: its exact image, or the folder compose builds it from (a service built
    /// from outside the project, or with nothing init can run on the host).
    func mapGeneric(_ s: SourceService, rewriter: InitRewriter, keptGeneric: Bool = false, _ row: inout InitReport.Row, _ d: inout InitDetection) {
        let name = row.name!
        var c = InitOperation.Choice(name: name, image: s.image)
        if hints.kinds.contains(where: { $0.name == name }) { c.kind = ServiceSpec.genericKind }
        row.became = "generic"
        if let context = s.build {
            c.build = BuildSpec(context: relative(context), dockerfile: s.dockerfile == "Dockerfile" ? nil : s.dockerfile, target: s.buildTarget,
                                args: s.buildArgs.map { .init(name: $0.name, value: $0.value.map(text)) })
            row.became = "generic (built)"
            row.carried.append("build \(relative(context))")
            for k in s.buildOther { row.notCarried.append("build.\(k): devenv.yml's build has context, dockerfile, target and args") }
        }
        if s.image != nil { row.carried.append("image") }
        if s.build != nil || s.image == nil {
        } else if s.image!.contains("$") { row.notCarried.append("image \(s.image!): a ${VARIABLE} compose could not resolve") }
        else if s.entrypoint != nil, let (kind, _, _) = kindFor(s.image!) {
            d.report.warnings.append("\(s.name): \(s.image!) is kept as a generic image: its entrypoint replaces what devenv's \(kind.name) kind runs")
        } else if !keptGeneric, let (kind, _, _) = hintsKind(s.image!) {
            d.report.warnings.append("\(s.name): \(s.image!) is kept as a generic image: devenv's \(kind.name) kind runs \(kind.initHints!.images.joined(separator: ", ")) with tags like \(kind.version)")
        }
        for (k, v) in s.environment {
            guard let v else { c.fromShell.append(k); row.carried.append("env \(k) (from the shell, as compose took it)"); continue }
            let value = rewriter.container(service: s.name, key: k, value: text(v), report: &d.report)
            c.env.append(.init(key: k, value: value))
            row.carried.append("env \(k)")
        }
        if let cmd = s.command { c.command = cmd.map(text); row.carried.append("command") }
        if let e = s.entrypoint { c.entrypoint = e.map(text); row.carried.append("entrypoint") }
        for v in s.volumes {
            if let spec = volume(v) { c.volumes.append(spec); row.carried.append("volume \(v.target)") }
            else { row.notCarried.append("volume \(v.target): devenv.yml has no \(v.type) mounts") }
        }
        for p in s.ports where !["tcp", "udp"].contains(p.proto) { row.notCarried.append("port \(p.target)/\(p.proto): devenv publishes TCP and UDP ports") }
        for p in Self.portNames(s) {
            let udp = p.proto == "udp"
            c.ports.append(.init(key: p.name, value: String(p.target) + (udp ? "/udp" : "")))
            let published = s.ports.first { $0.target == p.target && $0.proto == p.proto }?.published
            row.carried.append("port \(p.target)" + (udp ? "/udp" : "") + (published.map { $0 == p.target ? "" : " (was host \($0))" } ?? ""))
        }
        if let h = s.healthcheck {
            c.healthcheck = HealthcheckSpec(test: h.map(text), options: s.healthcheckOptions)
            row.carried.append("healthcheck")
        }
        carryCompose(s, kind: nil, &c, &row, &d)
        d.services.append(c)
    }

    private func hintsKind(_ image: String) -> (ServiceKind, String, String?)? {
        let (repo, _) = Self.split(image)
        return hints.kind(forImage: repo).map { ($0, "", nil) }
    }

    /// A compose volume as a devenv.yml one: named volumes stay names, bind mounts relative to the project.
    func volume(_ v: SourceService.Volume) -> String? {
        let ro = v.readOnly ? ":ro" : ""
        switch v.type {
        case "volume": return (v.source.map { $0 + ":" } ?? "") + v.target + ro
        case "bind":
            guard let src = v.source else { return nil }
            return relative(src) + ":" + v.target + ro
        default: return nil
        }
    }

    /// An absolute path under the project (or up to two folders above it) as `./x` or `../x`.
    func relative(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path.hasPrefix(".") || path.hasPrefix("~") ? path : "./" + path }
        var base = URL(fileURLWithPath: dir).standardizedFileURL.path
        var ups = ""
        for _ in 0..<3 {
            if path == base { return ups.isEmpty ? "." : String(ups.dropLast()) }
            if path.hasPrefix(base + "/") { return (ups.isEmpty ? "./" : ups) + path.dropFirst(base.count + 1) }
            base = (base as NSString).deletingLastPathComponent
            ups += "../"
            if base == "/" { break }
        }
        return path
    }
}
