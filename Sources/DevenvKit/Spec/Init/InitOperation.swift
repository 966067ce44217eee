import Foundation
import Yams

/// `devenv init`: a starter `devenv.yml` from flags, from what the folder already has
/// (a compose file, `.env.example`), or from answers on a terminal.
public struct InitOperation {
    public var services: [String]?
    public var name: String?
    public var force = false

    public init(services: [String]?, name: String?, force: Bool) {
        self.services = services; self.name = name; self.force = force
    }

    /// A service to write: its kind (or generic image) and an optional version.
    public struct Choice: Equatable {
        public var name: String
        public var version: String?
        public var image: String?
        public var ports: [String: Int] = [:]
    }

    public func run(_ ctx: DevenvContext) throws -> String {
        let file = ctx.cwd + "/" + ManifestLoader.fileName
        if FileManager.default.fileExists(atPath: file) && !force {
            throw DevenvError.usage("\(ManifestLoader.fileName) already exists here", hint: "Edit it, or overwrite it with `devenv init --force`.")
        }
        let templates = try KindCatalogue.load(searchPath: KindCatalogue.defaultSearchPath(environment: ctx.environment, projectRoot: ctx.cwd))
        let detected = Self.detect(in: ctx.cwd, kinds: templates)
        var choices: [Choice]
        if let services {
            choices = try services.map { try Self.parseChoice($0, kinds: templates.kinds) }
        } else if ctx.output.stdinIsTerminal {
            let suggestion = detected.services.map(\.name).joined(separator: ",")
            ctx.output.raw("Services (\(templates.kinds.keys.sorted().joined(separator: ", ")))" + (suggestion.isEmpty ? ": " : " [\(suggestion)]: "))
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces)
            choices = answer.isEmpty ? detected.services
                : try answer.split(whereSeparator: { $0 == "," || $0 == " " }).map { try Self.parseChoice(String($0), kinds: templates.kinds) }
        } else if !detected.services.isEmpty {
            choices = detected.services
        } else {
            throw DevenvError.usage("say which services the project needs", hint: "For example: `devenv init --services postgres,redis`.")
        }
        guard !choices.isEmpty else { throw DevenvError.usage("no services chosen", hint: "For example: `devenv init --services postgres,redis`.") }
        let text = Self.manifest(name: name, choices: choices, env: detected.env, kinds: templates.kinds)
        _ = try ManifestLoader(kinds: templates).parse(text, file: file)
        try AtomicFile.write(text, to: file, newFileMode: 0o644)
        return text
    }

    /// `postgres`, `postgres@15`, `redis@7.2`.
    static func parseChoice(_ raw: String, kinds: [String: ServiceKind]) throws -> Choice {
        let parts = raw.split(separator: "@", maxSplits: 1).map(String.init)
        let name = parts[0].lowercased()
        guard kinds[name] != nil else {
            throw DevenvError.usage("unknown service kind '\(name)'\(Suggest.hint(name, among: kinds.keys.sorted()))",
                                    hint: "Known kinds: \(kinds.keys.sorted().joined(separator: ", ")). Other images go in devenv.yml as `NAME: { image: IMAGE, ports: { http: PORT } }`.")
        }
        return Choice(name: name, version: parts.count > 1 ? parts[1] : nil)
    }

    /// What an existing compose file and `.env.example` suggest.
    static func detect(in dir: String, kinds: KindCatalogue) -> (services: [Choice], env: [(String, String)]) {
        let hints = InitHintTable(kinds)
        var choices: [Choice] = []
        func add(_ c: Choice) { if !choices.contains(where: { $0.name == c.name }) { choices.append(c) } }
        for f in ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"] {
            guard let text = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8),
                  let node = try? Yams.compose(yaml: text), let services = node["services"]?.mapping else { continue }
            for (k, v) in services {
                guard let image = v["image"]?.string, let svc = k.string else { continue }
                let (repo, tag) = ImageMap.split(image)
                if let kind = hints.kind(forImage: repo) {
                    add(Choice(name: kind.name, version: tag.flatMap { $0 == "latest" ? nil : $0 }))
                } else {
                    var ports: [String: Int] = [:]
                    for p in v["ports"]?.sequence ?? [] {
                        if let s = p.string, let last = s.split(separator: ":").last.flatMap({ Int($0.split(separator: "/")[0]) }) {
                            ports[ports.isEmpty ? "main" : "port\(ports.count + 1)"] = last
                        }
                    }
                    add(Choice(name: svc.lowercased(), image: image, ports: ports))
                }
            }
            break
        }
        var env: [(String, String)] = []
        for f in [".env.example", ".env.sample", ".env.template"] {
            guard let text = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8) else { continue }
            for line in text.split(whereSeparator: \.isNewline) {
                let l = line.trimmingCharacters(in: .whitespaces)
                guard !l.hasPrefix("#"), let eq = l.firstIndex(of: "=") else { continue }
                let key = l[..<eq].replacingOccurrences(of: "export ", with: "").trimmingCharacters(in: .whitespaces)
                let value = l[l.index(after: eq)...].trimmingCharacters(in: CharacterSet(charactersIn: " '\""))
                if let (kind, template) = hints.guess(key: key, value: value) {
                    add(Choice(name: kind))
                    env.append((key, template))
                }
            }
            break
        }
        return (choices, env)
    }

    static func manifest(name: String?, choices: [Choice], env: [(String, String)], kinds: [String: ServiceKind]) -> String {
        var lines = ["# devenv.yml: the services this project needs locally. Reference: README.md (\"The manifest\")."]
        if let name { lines.append("name: \(name)") }
        lines.append("services:")
        for c in choices {
            if let image = c.image {
                lines.append("  \(c.name):")
                lines.append("    image: \(image)")
                if !c.ports.isEmpty {
                    lines.append("    ports: { " + c.ports.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + " }")
                }
            } else {
                let version = c.version ?? kinds[c.name]?.version ?? "latest"
                lines.append("  \(c.name): { version: \"\(version)\" }")
            }
        }
        if !env.isEmpty {
            lines.append("env:")
            lines.append("  .env:")
            for (k, v) in env { lines.append("    \(k): \"\(v)\"") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
