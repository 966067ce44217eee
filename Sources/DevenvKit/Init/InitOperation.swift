import Foundation
import Yams
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

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
        /// Settings as YAML (`databases: [alwrity]`), from a compose file's environment.
        public var settings: [String] = []
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
        let text = Self.manifest(name: name, choices: choices, detected: detected, kinds: templates.kinds)
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

    /// What the folder suggests: a compose file's services (`InitCompose`), `.env.example`
    /// keys, and the app's processes (`InitProcesses`).
    static func detect(in dir: String, kinds: KindCatalogue) -> InitDetection {
        let hints = InitHintTable(kinds)
        var d = InitDetection()
        InitCompose.read(dir: dir, hints: hints, into: &d)
        for f in [".env.example", ".env.sample", ".env.template"] {
            guard let text = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8) else { continue }
            for line in text.split(whereSeparator: \.isNewline) {
                let l = line.trimmingCharacters(in: .whitespaces)
                guard !l.hasPrefix("#"), let eq = l.firstIndex(of: "=") else { continue }
                let key = l[..<eq].replacingOccurrences(of: "export ", with: "").trimmingCharacters(in: .whitespaces)
                let value = l[l.index(after: eq)...].trimmingCharacters(in: CharacterSet(charactersIn: " '\""))
                if let (kind, template) = hints.guess(key: key, value: value) {
                    if !d.services.contains(where: { $0.name == kind }) { d.services.append(Choice(name: kind)) }
                    d.addEnv(".env", key, template)
                }
            }
            break
        }
        if d.processes.isEmpty, !d.notes.contains(where: { $0.contains("add a process") }) {
            d.processes = InitProcesses.detect(root: dir, taken: Set(d.services.map(\.name)))
            for p in d.processes where p.listens && !d.ports.contains(where: { $0.name == p.name }) { d.ports.append((p.name, nil)) }
            if !d.processes.isEmpty {
                d.notes.append("Processes recognised from " + d.processes.map { "\($0.from) (\($0.cwd ?? "."))" }.joined(separator: ", ") + ".")
            }
        }
        return d
    }

    static func manifest(name: String?, choices: [Choice], detected d: InitDetection, kinds: [String: ServiceKind]) -> String {
        var lines = ["# devenv.yml: the services this project needs locally. Reference: README.md (\"The manifest\")."]
        lines += d.notes.map { "# " + $0 }
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
                lines.append("  \(c.name): { " + (["version: \"\(version)\""] + c.settings).joined(separator: ", ") + " }")
            }
        }
        // What refers to a service that was not chosen (`--services`) is left out.
        let names = Set(choices.map(\.name))
        let processes = d.processes.map { p -> InitProcess in
            var p = p
            p.depends = p.depends.filter { dep in names.contains(dep) || d.processes.contains { $0.name == dep } }
            return p
        }
        func usable(_ template: String) -> Bool {
            Templating.references(in: template).allSatisfy { ref in
                let head = String(ref.split(separator: ".").first ?? "")
                return head == "ports" || head == "stack" || head == "project" || names.contains(head)
            }
        }
        if !d.ports.isEmpty {
            lines.append("ports: { " + d.ports.map { "\($0.name): \($0.port.map(String.init) ?? "auto")" }.joined(separator: ", ") + " }")
        }
        let env = d.env.map { ($0.file, $0.keys.filter { usable($0.value) }) }.filter { !$0.1.isEmpty }
        if !env.isEmpty {
            lines.append("env:")
            for (file, keys) in env {
                lines.append("  \(file):")
                for (k, v) in keys { lines.append("    \(k): \(InitCompose.yamlQuote(v))") }
            }
        }
        if !processes.isEmpty {
            lines.append("processes:")
            for p in processes {
                lines.append("  \(p.name):")
                lines.append("    run: \(InitCompose.yamlQuote(p.run))")
                if let cwd = p.cwd { lines.append("    cwd: \(cwd)") }
                if !p.depends.isEmpty { lines.append("    depends: [\(p.depends.joined(separator: ", "))]") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
