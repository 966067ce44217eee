import Foundation
import Yams
import DevenvCore
import DevenvEngine
import DevenvSpec

/// One compose service as compose's own normalised view (`config --format json`) gives it.
struct SourceService: Equatable {
    struct Port: Equatable { var target: Int; var published: Int?; var proto: String }
    struct Volume: Equatable { var type: String; var source: String?; var target: String; var readOnly: Bool }
    var name: String
    var image: String?
    var build: String?
    /// The build's Dockerfile, relative to its context.
    var dockerfile: String?
    var buildTarget: String?
    /// `build.args` (nil value: from the shell), sorted by name.
    var buildArgs: [(name: String, value: String?)] = []
    /// Keys of `build:` devenv.yml has no place for (`cache_from`, `ssh`, …).
    var buildOther: [String] = []
    var command: [String]?
    var entrypoint: [String]?
    /// nil value: named without a value (taken from the shell that runs compose).
    var environment: [(key: String, value: String?)] = []
    var ports: [Port] = []
    var volumes: [Volume] = []
    var healthcheck: [String]?
    /// `interval`, `timeout`, `retries`, `start_period`, `start_interval`, as compose gives them.
    var healthcheckOptions: [(key: String, value: String)] = []
    var dependsOn: [(name: String, condition: String)] = []
    var profiles: [String] = []
    var restart: String?
    /// The service's own labels, sorted by name.
    var labels: [(key: String, value: String)] = []
    /// Keys devenv.yml has no place for (`user`, `secrets`, `cap_add`, …), sorted.
    var otherKeys: [String] = []
    /// Compose's normalised value of each key that is not a field above (`user`, `tty`, `build`, …),
    /// as JSON with sorted keys: what a faithful copy has to give back.
    var json: [String: String] = [:]

    static func == (a: Self, b: Self) -> Bool { a.name == b.name && a.image == b.image && a.command == b.command }
}

/// The compose file(s) of a project, read through compose itself, so that interpolation,
/// `extends`, merge keys, `include`, `env_file` and profiles are resolved exactly as compose does.
enum ComposeSource {
    /// compose's own names, then the usual development ones.
    static let names = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml",
                        "docker-compose.dev.yml", "docker-compose.dev.yaml", "compose.dev.yaml", "compose.dev.yml",
                        ".devcontainer/compose.yaml", ".devcontainer/docker-compose.yml"]

    /// The first of `names` in `dir` (relative to it), unless `files` were given.
    static func find(in dir: String, files: [String]) -> [String] {
        if !files.isEmpty { return files }
        return names.first { FileManager.default.fileExists(atPath: dir + "/" + $0) }.map { [$0] } ?? []
    }

    /// `docker compose --project-directory DIR -f F… --profile '*' config --format json`; the
    /// project's `.env` is compose's own default, `.env.example` is added where there is no `.env`.
    static func configCommand(dir: String, files: [String]) -> Command {
        var args = ["compose", "--project-directory", dir]
        for f in files { args += ["--file", f.hasPrefix("/") ? f : dir + "/" + f] }
        let fm = FileManager.default
        if !fm.fileExists(atPath: dir + "/.env"), fm.fileExists(atPath: dir + "/.env.example") {
            args += ["--env-file", dir + "/.env.example"]
        }
        args += ["--profile", "*", "config", "--format", "json"]
        return Command("docker", args, workingDirectory: dir, timeout: .seconds(300))
    }

    /// Keys carried (or replaced on purpose: devenv publishes ports, restarts, names containers).
    static let handled: Set<String> = ["image", "build", "command", "entrypoint", "environment", "ports", "volumes",
                                       "healthcheck", "depends_on", "profiles", "restart", "networks", "container_name",
                                       "expose", "env_file", "pull_policy", "labels"]

    /// compose's JSON (`services` of `config --format json`) as services, in file order.
    static func parse(json: Data) throws -> [SourceService] {
        guard let top = try JSONSerialization.jsonObject(with: json) as? [String: Any],
              let services = top["services"] as? [String: Any] else { throw DevenvError("compose gave no services") }
        return services.keys.sorted().map { name in service(name, services[name] as? [String: Any] ?? [:]) }
    }

    static func service(_ name: String, _ m: [String: Any]) -> SourceService {
        var s = SourceService(name: name)
        s.image = m["image"] as? String
        if let b = m["build"] as? [String: Any] {
            s.build = b["context"] as? String ?? "."; s.dockerfile = b["dockerfile"] as? String; s.buildTarget = b["target"] as? String
            if let a = b["args"] as? [String: Any] { s.buildArgs = a.keys.sorted().map { ($0, a[$0].flatMap(scalar)) } }
            else if let a = b["args"] as? [String] {
                s.buildArgs = a.map { e in e.firstIndex(of: "=").map { (String(e[..<$0]), String(e[e.index(after: $0)...])) } ?? (e, nil) }
            }
            s.buildOther = b.keys.filter { !["context", "dockerfile", "target", "args"].contains($0) }.sorted()
        } else if let b = m["build"] as? String { s.build = b }
        s.command = words(m["command"])
        s.entrypoint = words(m["entrypoint"])
        if let env = m["environment"] as? [String: Any] {
            s.environment = env.keys.sorted().map { ($0, env[$0].flatMap(scalar)) }
        } else if let env = m["environment"] as? [Any] {
            s.environment = env.compactMap { $0 as? String }.map { e in
                e.firstIndex(of: "=").map { (String(e[..<$0]), String(e[e.index(after: $0)...])) } ?? (e, nil)
            }
        }
        for p in m["ports"] as? [Any] ?? [] {
            if let pm = p as? [String: Any], let target = int(pm["target"]) {
                s.ports.append(.init(target: target, published: int(pm["published"]), proto: pm["protocol"] as? String ?? "tcp"))
            } else if let text = p as? String ?? (p as? Int).map(String.init) {
                let proto = text.split(separator: "/").dropFirst().first.map(String.init) ?? "tcp"
                let parts = text.split(separator: "/")[0].split(separator: ":").map(String.init)
                if let target = parts.last.flatMap({ Int($0) }) {
                    s.ports.append(.init(target: target, published: parts.count >= 2 ? Int(parts[parts.count - 2]) : nil, proto: proto))
                }
            }
        }
        for v in m["volumes"] as? [Any] ?? [] {
            if let vm = v as? [String: Any], let target = vm["target"] as? String {
                s.volumes.append(.init(type: vm["type"] as? String ?? "volume", source: vm["source"] as? String, target: target,
                                       readOnly: vm["read_only"] as? Bool ?? false))
            } else if let text = v as? String {
                let parts = text.split(separator: ":").map(String.init)
                let source = parts.count >= 2 ? parts[0] : nil
                let bind = source.map { $0.hasPrefix(".") || $0.hasPrefix("/") || $0.hasPrefix("~") } ?? false
                s.volumes.append(.init(type: bind ? "bind" : "volume", source: source, target: parts.count >= 2 ? parts[1] : parts[0],
                                       readOnly: parts.count >= 3 && parts[2].contains("ro")))
            }
        }
        if let h = m["healthcheck"] as? [String: Any], (h["disable"] as? Bool) != true,
           let test = (h["test"] as? String).map({ ["CMD-SHELL", $0] }) ?? words(h["test"]), !test.isEmpty, test.first != "NONE" {
            s.healthcheck = test.first == "CMD" || test.first == "CMD-SHELL" ? test : ["CMD"] + test
            s.healthcheckOptions = HealthcheckSpec.optionKeys.compactMap { k in h[k].flatMap(scalar).map { (k, $0) } }
        }
        if let d = m["depends_on"] as? [String: Any] {
            s.dependsOn = d.keys.sorted().map { ($0, (d[$0] as? [String: Any])?["condition"] as? String ?? "service_started") }
        } else if let d = m["depends_on"] as? [Any] {
            s.dependsOn = d.compactMap { $0 as? String }.map { ($0, "service_started") }
        }
        s.profiles = m["profiles"] as? [String] ?? []
        if let l = m["labels"] as? [String: Any] {
            s.labels = l.keys.sorted().map { ($0, l[$0].flatMap(scalar) ?? "") }
        } else if let l = m["labels"] as? [String] {
            s.labels = l.map { e in e.firstIndex(of: "=").map { (String(e[..<$0]), String(e[e.index(after: $0)...])) } ?? (e, "") }.sorted { $0.key < $1.key }
        }
        s.restart = m["restart"] as? String
        s.otherKeys = m.keys.filter { k in !handled.contains(k) && !(m[k] is NSNull) }.sorted()
        for k in s.otherKeys + ["build"] { if let v = m[k], let text = canonical(v) { s.json[k] = text } }
        return s
    }

    /// The top-level `secrets:` (or `configs:`) of compose's JSON (or of the plain YAML read):
    /// name, file, variable, content.
    static func mounted(_ top: [String: Any], _ key: String) -> [SecretSpec] {
        let m = top[key] as? [String: Any] ?? [:]
        return m.keys.sorted().map { k in
            let v = m[k] as? [String: Any] ?? [:]
            return SecretSpec(name: k, file: v["file"] as? String, environment: v["environment"] as? String, content: v["content"] as? String)
        }
    }

    /// Without a compose binary: the file read as plain YAML (no interpolation, `extends` or
    /// `include`; merge keys are resolved by the YAML reader).
    static func parse(yaml text: String) throws -> [SourceService] {
        guard let any = try Yams.load(yaml: text) as? [String: Any], let services = any["services"] as? [String: Any] else {
            throw DevenvError("the compose file has no services: mapping")
        }
        return services.keys.sorted().map { service($0, services[$0] as? [String: Any] ?? [:]) }
    }

    /// A JSON value as text with sorted keys (nil for a value JSON cannot hold).
    static func canonical(_ v: Any) -> String? {
        guard JSONSerialization.isValidJSONObject([v]),
              let data = try? JSONSerialization.data(withJSONObject: [v], options: [.sortedKeys, .fragmentsAllowed]) else { return nil }
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    static func words(_ v: Any?) -> [String]? {
        if let list = v as? [Any] { return list.compactMap(scalar) }
        if let s = v as? String { return ShellWords.split(s) }
        return nil
    }

    static func scalar(_ v: Any) -> String? {
        if v is NSNull { return nil }
        if let s = v as? String { return s }
        if let n = v as? NSNumber { return n.stringValue }   // compose gives strings; numbers only from plain YAML
        return "\(v)"
    }

    static func int(_ v: Any?) -> Int? { (v as? Int) ?? (v as? String).flatMap { Int($0) } ?? (v as? NSNumber)?.intValue }
}

/// Shell-style word splitting (quotes, backslashes), as compose splits a string `command:`.
enum ShellWords {
    static func split(_ s: String) -> [String] {
        var out: [String] = [], cur = "", quote: Character?, inWord = false, escaped = false
        for ch in s {
            if escaped { cur.append(ch); escaped = false; continue }
            if ch == "\\" && quote != "'" { escaped = true; inWord = true; continue }
            if let q = quote { if ch == q { quote = nil } else { cur.append(ch) }; continue }
            if ch == "'" || ch == "\"" { quote = ch; inWord = true; continue }
            if ch.isWhitespace { if inWord { out.append(cur); cur = ""; inWord = false }; continue }
            cur.append(ch); inWord = true
        }
        if inWord { out.append(cur) }
        return out
    }

    /// Words joined back into one shell line, quoting where needed.
    static func join(_ words: [String]) -> String {
        words.map { w in
            w.range(of: "^[A-Za-z0-9_./:=@%+,-]+$", options: .regularExpression) != nil ? w
                : "'" + w.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
