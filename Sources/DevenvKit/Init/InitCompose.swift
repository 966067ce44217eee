import Foundation
import Yams
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// What `devenv init` found in the folder, ready to be written as devenv.yml.
struct InitDetection {
    var services: [InitOperation.Choice] = []
    /// `ports:` entries: a number, or nil for `auto`.
    var ports: [(name: String, port: Int?)] = []
    /// `env:` files and their keys, in order.
    var env: [(file: String, keys: [(key: String, value: String)])] = []
    var processes: [InitProcess] = []
    /// Comment lines for the top of the file (what was carried over from where).
    var notes: [String] = []

    mutating func addEnv(_ file: String, _ key: String, _ value: String) {
        if let i = env.firstIndex(where: { $0.file == file }) {
            if !env[i].keys.contains(where: { $0.key == key }) { env[i].keys.append((key, value)) }
        } else { env.append((file, [(key, value)])) }
    }
}

/// Carries a hand-kept compose file over: backing services become kinds (with the settings
/// their environment gives, `POSTGRES_DB=alwrity` → `databases: [alwrity]`, from each kind's
/// `init.settings`), other images generic services, and the app's own services (`build:`)
/// their ports, their `.env` in the build folder (connection values rewritten to templates) and,
/// where devenv recognises what the build folder holds, processes.
enum InitCompose {
    static let files = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]

    /// One of the app's own compose services.
    struct App {
        var name: String
        var folder: String?
        var hostPort: Int?
        var containerPort: Int?
        var env: [(String, String)]
        var depends: [String]
    }

    static func read(dir: String, hints: InitHintTable, into d: inout InitDetection) {
        for f in files {
            guard let text = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8),
                  let node = try? Yams.compose(yaml: text), let services = node["services"]?.mapping else { continue }
            var apps: [App] = []
            var kindOf: [String: String] = [:]   // compose service → devenv service of a known kind
            var carried: [String] = []
            for (k, v) in services {
                guard let svc = k.string else { continue }
                let env = environment(v["environment"])
                if let image = v["image"]?.string {
                    let (repo, tag) = ImageMap.split(image)
                    if let kind = hints.kind(forImage: repo) {
                        var c = InitOperation.Choice(name: kind.name, version: tag.flatMap { $0 == "latest" ? nil : $0 })
                        for s in kind.initHints?.settings ?? [] {
                            guard let value = s.variables.lazy.compactMap({ v in env.first { $0.0 == v }?.1 }).first, !value.isEmpty else { continue }
                            c.settings.append("\(s.setting): " + (kind.setting(s.setting)?.type == .list ? "[\(value)]" : yamlQuote(value)))
                        }
                        if !d.services.contains(where: { $0.name == c.name }) { d.services.append(c) }
                        kindOf[svc] = kind.name
                        carried.append("\(svc) → \(kind.name)")
                        continue
                    }
                    if v["build"] == nil {
                        let ports = portPairs(v["ports"])
                        var c = InitOperation.Choice(name: svc.lowercased(), image: image)
                        for (i, p) in ports.enumerated() { c.ports[i == 0 ? "main" : "port\(i + 1)"] = p.container }
                        if !d.services.contains(where: { $0.name == c.name }) { d.services.append(c) }
                        continue
                    }
                }
                guard let build = v["build"] else { continue }
                let context = build.string ?? build["context"]?.string
                let folder = context.map { $0.hasPrefix("./") ? String($0.dropFirst(2)) : $0 }.flatMap { $0 == "." || $0.isEmpty ? nil : $0 }
                let port = portPairs(v["ports"]).first
                let depends = v["depends_on"]?.sequence?.compactMap(\.string) ?? v["depends_on"]?.mapping?.compactMap { $0.key.string } ?? []
                apps.append(App(name: InitProcesses.name(for: svc), folder: folder, hostPort: port?.host, containerPort: port?.container,
                                env: env, depends: depends))
            }
            for app in apps {
                if let p = app.hostPort { d.ports.append((app.name, p)) }
                let file = (app.folder.map { $0 + "/" } ?? "") + ".env"
                for (key, value) in app.env where !value.isEmpty {
                    d.addEnv(file, key, rewrite(key: key, value: value, apps: apps, kindOf: kindOf, hints: hints))
                }
                let depends = app.depends.map { kindOf[$0] ?? InitProcesses.name(for: $0) }
                if let folder = app.folder, var p = InitProcesses.detect(folder: dir + "/" + folder, cwd: folder, name: app.name) {
                    p.depends = depends
                    d.processes.append(InitProcesses.finish(p))
                } else {
                    d.notes.append("\(app.name): add a process (`\(app.name): { run: …, cwd: \(app.folder ?? ".") }` under processes:) — "
                        + (app.folder.map { "devenv recognised no package.json, pyproject.toml, Cargo.toml or Procfile in \($0)/" } ?? "its build folder is not known"))
                }
            }
            // A dependency on an app service devenv has no process for is left out.
            let known = Set(d.processes.map(\.name) + d.services.map(\.name))
            for i in d.processes.indices { d.processes[i].depends = d.processes[i].depends.filter(known.contains) }
            let appNames = apps.map(\.name)
            d.notes.insert("Carried over from \(f): " + (carried + (appNames.isEmpty ? [] : ["\(appNames.joined(separator: ", ")) → ports, env and processes"])).joined(separator: "; ") + ".", at: 0)
            return
        }
    }

    /// A compose `environment:` (a list of `K=V` or a map) in order.
    static func environment(_ node: Node?) -> [(String, String)] {
        if let seq = node?.sequence {
            return seq.compactMap { $0.string }.compactMap { s in
                guard let eq = s.firstIndex(of: "=") else { return nil }
                return (String(s[..<eq]), String(s[s.index(after: eq)...]))
            }
        }
        return node?.mapping?.compactMap { k, v in k.string.map { ($0, v.string ?? "") } } ?? []
    }

    /// `"3000:3000"`, `"127.0.0.1:8000:8000"`, `"8000"`, `{ published: 3000, target: 3000 }`.
    static func portPairs(_ node: Node?) -> [(host: Int, container: Int)] {
        (node?.sequence ?? []).compactMap { p in
            if let m = p.mapping {
                guard let target = m["target"]?.string.flatMap({ Int($0) }) else { return nil }
                return (m["published"]?.string.flatMap { Int($0) } ?? target, target)
            }
            guard let s = p.string else { return nil }
            let parts = s.split(separator: "/")[0].split(separator: ":").map(String.init)
            guard let container = parts.last.flatMap({ Int($0) }) else { return nil }
            let host = parts.count >= 2 ? Int(parts[parts.count - 2]) ?? container : container
            return (host, container)
        }
    }

    /// A connection value as a template: a URL to a backing service (on its compose name or
    /// localhost) becomes the kind's value (`{{postgres.url}}`), a kind's well-known key its
    /// value (`PGHOST` → `{{postgres.host}}`), a URL to one of the app's services
    /// `http://localhost:{{ports.NAME}}`. Everything else is kept as written.
    static func rewrite(key: String, value: String, apps: [App], kindOf: [String: String], hints: InitHintTable) -> String {
        let local: Set<String> = ["localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal"]
        let url = URLComponents(string: value)
        if let scheme = url?.scheme?.lowercased(), let host = url?.host,
           let kind = hints.kinds.first(where: { $0.initHints!.schemes.contains(scheme) }),
           kindOf.values.contains(kind.name), kindOf[host] == kind.name || local.contains(host) {
            return hints.template(kind, key: key) ?? "{{\(kind.name).url}}"
        }
        for kind in hints.kinds where kindOf.values.contains(kind.name) {
            if let t = hints.template(kind, key: key) { return t }
        }
        if let scheme = url?.scheme?.lowercased(), ["http", "https", "ws", "wss"].contains(scheme), let host = url?.host, let port = url?.port {
            let target = apps.first { a in local.contains(host) ? a.hostPort == port : (a.name == InitProcesses.name(for: host) && (a.containerPort == port || a.hostPort == port)) }
            if let target, target.hostPort != nil {
                return value.replacingOccurrences(of: "\(host):\(port)", with: "localhost:{{ports.\(target.name)}}")
            }
        }
        return value
    }

    /// A YAML double-quoted scalar.
    static func yamlQuote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
