import Foundation
import DevenvCore
import DevenvSpec

/// Connection values that reach a backing service by its compose name: on the host (an app
/// process's env) they become the kind's values, keeping scheme, path and query
/// (`postgres://u:p@db:5432/app?ssl=off` → `postgres://{{db.user}}:{{db.password}}@{{db.host}}:{{db.port}}/app?ssl=off`);
/// in a container (a generic service's env) the compose name stays, as the stack's network
/// resolves it, and literal passwords become the kind's (`{{db.password}}`). Each rewrite is
/// reported, and so is what could not be decided.
struct InitRewriter {
    let backing: [String: InitMapper.Backing]
    let hints: InitHintTable
    /// App services that become processes: compose name → (process name, published port, container port).
    var apps: [String: (name: String, published: Int, target: Int)] = [:]
    /// Host ports compose published, each as the template of the port devenv publishes it on
    /// (`{{web.ports.main}}`, `{{ports.api}}` for a process), for URLs that reach it from the host.
    var published: [Int: String] = [:]

    private func keys(_ b: InitMapper.Backing) -> Set<String> { Set(b.kind.values.map(\.key)) }

    /// A value in a generic service's environment: the compose name becomes the devenv name
    /// (the stack's network resolves it, the container port stays), and a literal password or
    /// user of a kind's service becomes its template (`{{db.password}}`), whole or in a URL.
    func container(service: String, key: String, value: String, report: inout InitReport) -> String {
        var out = value
        var templated = false
        for (compose, b) in backing.sorted(by: { $0.key < $1.key }) {
            if compose != b.name, mentions(out, compose) {
                out = replaceHost(out, compose, with: b.name)
            }
            // The kind's own secret-ish and user variables, as `{{NAME.KEY}}` (never a host-side key).
            let literals = b.owned.sorted { $0.key < $1.key }.compactMap { k, v -> (value: String, template: String, user: Bool)? in
                let user = k.uppercased().hasSuffix("_USER")
                guard !v.isEmpty, isSecretish(k) || user, let t = ownTemplate(b, k) else { return nil }
                return (v, t, user)
            }
            let wantsUser = key.uppercased().hasSuffix("USER")
            if let t = literals.first(where: { $0.value == out && $0.user == wantsUser && (wantsUser || isSecretish(key)) })?.template {
                out = t; templated = true; continue
            }
            if let url = URLComponents(string: out), url.scheme != nil, url.host == b.name, let u = url.percentEncodedUser,
               let start = out.range(of: "://"), let at = out[start.upperBound...].range(of: "@") {
                let user = literals.first { $0.user && $0.value == (url.user ?? u) }?.template ?? u
                let password = url.percentEncodedPassword.map { p in literals.first { !$0.user && $0.value == url.password }?.template ?? p }
                if user != u || password != url.percentEncodedPassword {
                    out = String(out[..<start.upperBound]) + user + (password.map { ":" + $0 } ?? "") + String(out[at.lowerBound...])
                    templated = true
                }
            }
        }
        for (compose, b) in backing.sorted(by: { $0.key < $1.key }) {
            // A URL's password counts only when the URL reaches that service.
            let url = URLComponents(string: out)
            let password = url?.host == b.name || url?.host == compose ? url?.password : nil
            if let owned = b.owned.first(where: { !$0.value.isEmpty && ($0.value == out && isSecretish(key) || $0.value == password) && isSecretish($0.key) }) {
                report.undecided.append("\(service) \(key) holds the literal value of \(compose)'s \(owned.key); devenv's \(b.kind.name) kind makes its own: set it by hand")
            }
        }
        // What a container cannot reach as written: a process on the host by its compose name, or
        // a host port compose published (devenv publishes that service on a port of its own).
        for (compose, app) in apps.sorted(by: { $0.key < $1.key }) where mentions(out, compose) {
            report.undecided.append("\(service) \(key) mentions \(compose), which runs on the host as process \(app.name): a container does not reach it by that name; set it by hand")
        }
        if let hosted = hostPort(out) { out = hosted; templated = true }
        if out != value { report.rewrites.append(.init(service: service, key: key, from: Self.masked(value), to: templated ? out : Self.masked(out))) }
        return out
    }

    /// `{{NAME.KEY}}` for a kind's own variable whose template is one of its values that is the
    /// same inside the stack (user, password, database), not a host-side one (host, port, url).
    private func ownTemplate(_ b: InitMapper.Backing, _ variable: String) -> String? {
        guard let template = InitMapper.ownedEnv(b.kind)[variable], template.hasPrefix("{{"), template.hasSuffix("}}") else { return nil }
        let key = String(template.dropFirst(2).dropLast(2)).trimmingCharacters(in: .whitespaces)
        guard !key.contains("{"), !key.contains("("), !Self.hostSide.contains(key), b.kind.values.contains(where: { $0.key == key }) else { return nil }
        return "{{\(b.name).\(key)}}"
    }

    /// Values that differ between the host and a container of the stack.
    static let hostSide: Set<String> = ["host", "port", "url", "endpoint"]

    /// A value in an app process's environment (run on the host).
    func host(service: String, key: String, value: String, report: inout InitReport) -> String {
        var out = value
        var touched = false
        for (compose, b) in backing.sorted(by: { $0.key < $1.key }) {
            let k = keys(b)
            let t = { (name: String) in "{{\(b.name).\(name)}}" }
            if value == compose, k.contains("host") {
                out = hints.template(b.kind, key: key).map { $0.replacingOccurrences(of: "{{\(b.kind.name).", with: "{{\(b.name).") } ?? t("host")
                touched = true; break
            }
            if let url = URLComponents(string: value), url.scheme != nil, url.host == compose, k.contains("host") {
                var s = url.scheme! + "://"
                if let u = url.user { s += (k.contains("user") ? t("user") : u) }
                if url.password != nil { s += ":" + (k.contains("password") ? t("password") : url.password!) }
                if url.user != nil || url.password != nil { s += "@" }
                s += t("host") + (k.contains("port") ? ":" + t("port") : url.port.map { ":\($0)" } ?? "")
                s += url.percentEncodedPath
                if let q = url.percentEncodedQuery { s += "?" + q }
                if let f = url.percentEncodedFragment { s += "#" + f }
                out = s; touched = true; break
            }
            if value.hasPrefix(compose + ":"), Int(value.dropFirst(compose.count + 1)) != nil, k.contains("port") {
                out = t("host") + ":" + t("port"); touched = true; break
            }
            if let owned = b.owned.first(where: { !$0.value.isEmpty && $0.value == value && isSecretish($0.key) }),
               let template = InitMapper.ownedEnv(b.kind)[owned.key], template.hasPrefix("{{"), template.hasSuffix("}}"),
               !template.dropFirst(2).contains("{") {
                out = "{{\(b.name)." + template.dropFirst(2); touched = true; break
            }
        }
        if !touched, let hosted = hostPort(value) { out = hosted; touched = true }
        if !touched, let url = URLComponents(string: value), let scheme = url.scheme?.lowercased(), ["http", "https", "ws", "wss"].contains(scheme),
           let h = url.host, let port = url.port,
           let app = apps.first(where: { c, a in ["localhost", "127.0.0.1", "0.0.0.0"].contains(h) ? a.published == port : c == h && (a.target == port || a.published == port) })?.value {
            out = value.replacingOccurrences(of: "\(h):\(port)", with: "localhost:{{ports.\(app.name)}}"); touched = true
        }
        if touched {
            let shown = backing.values.contains { b in b.owned.contains { isSecretish($0.key) && $0.value == value } } ? "(the literal password)" : value
            report.rewrites.append(.init(service: service, key: key, from: Self.masked(shown), to: out))
        } else if let (compose, _) = backing.first(where: { mentions(value, $0.key) }) {
            report.undecided.append("\(service) \(key) mentions \(compose) but is not a host, host:port or URL: kept as written")
        }
        return out
    }

    /// A URL to a port compose published on this machine (`http://localhost:3000/api`), with
    /// that port as the one devenv publishes it on (`http://localhost:{{web.ports.main}}/api`):
    /// a browser's address, or a host process's; inside a container `localhost` is the container.
    func hostPort(_ value: String) -> String? {
        guard let url = URLComponents(string: value), url.scheme != nil, let h = url.host, ["localhost", "127.0.0.1", "0.0.0.0"].contains(h),
              let port = url.port, let template = published[port], let r = value.range(of: "\(h):\(port)") else { return nil }
        return value.replacingCharacters(in: r, with: "\(h):\(template)")
    }

    /// A URL's password shown as `***`.
    static func masked(_ value: String) -> String {
        guard let url = URLComponents(string: value), let p = url.percentEncodedPassword, !p.isEmpty else { return value }
        return value.replacingOccurrences(of: ":" + p + "@", with: ":***@")
    }

    /// A password (or user) variable of a kind's own environment.
    func isSecretish(_ key: String) -> Bool {
        let k = key.uppercased()
        return k.contains("PASSWORD") || k.contains("SECRET") || k.hasSuffix("_PASS")
    }

    /// `name` as a host in `value`: alone, before `:` or `/`, after `@` or `//`.
    func mentions(_ value: String, _ name: String) -> Bool {
        value.range(of: "(^|[/@=,; ])" + NSRegularExpression.escapedPattern(for: name) + "($|[:/,; ])", options: .regularExpression) != nil
    }

    func replaceHost(_ value: String, _ name: String, with new: String) -> String {
        guard let re = try? NSRegularExpression(pattern: "(^|[/@=,; ])" + NSRegularExpression.escapedPattern(for: name) + "(?=$|[:/,; ])") else { return value }
        return re.stringByReplacingMatches(in: value, range: NSRange(value.startIndex..., in: value), withTemplate: "$1" + NSRegularExpression.escapedTemplate(for: new))
    }
}
