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
    /// Compose files to read (`--file`, like compose's `-f`); empty: the first one found.
    public var files: [String] = []
    /// Report what would be written, and write nothing.
    public var dryRun = false

    public init(services: [String]?, name: String?, force: Bool, files: [String] = [], dryRun: Bool = false) {
        self.services = services; self.name = name; self.force = force; self.files = files; self.dryRun = dryRun
    }

    /// A service to write: its kind (or generic image) and what it carries.
    public struct Choice: Equatable {
        public struct Value: Equatable { public var key: String; public var value: String }
        public var name: String
        public var version: String?
        public var image: String?
        /// `kind:`, written when the name does not say it (`db: { kind: postgres }`).
        public var kind: String?
        /// Named container ports of a generic service, in order.
        public var ports: [Value] = []
        /// List settings (`databases: [alwrity]`), from a compose file's environment.
        public var listSettings: [Value] = []
        public var env: [Value] = []
        /// Env names without a value: compose takes them from the shell, and so does devenv's stack.
        public var fromShell: [String] = []
        public var command: [String]?
        public var entrypoint: [String]?
        public var healthcheck: HealthcheckSpec?
        public var dependsOn: [DependsOnSpec] = []
        public var build: BuildSpec?
        public var volumes: [String] = []
        public var ready: String?
        public var restart: String?
        public var profiles: [String] = []
        public var labels: [Value] = []
        /// Compose keys carried as written (`user`, `tty`, …): the key and its value as JSON.
        public var options: [Value] = []

        public init(name: String, version: String? = nil, image: String? = nil) { self.name = name; self.version = version; self.image = image }
    }

    /// What `run` wrote (or, with `dryRun`, would write) and what became of each compose service.
    public struct Result: Sendable {
        public var text: String
        public var report: InitReport
        public var written: Bool
    }

    public func run(_ ctx: DevenvContext) async throws -> Result {
        let file = ctx.cwd + "/" + ManifestLoader.fileName
        if FileManager.default.fileExists(atPath: file) && !force && !dryRun {
            throw DevenvError.usage("\(ManifestLoader.fileName) already exists here", hint: "Edit it, or overwrite it with `devenv init --force`.")
        }
        let templates = try KindCatalogue.load(searchPath: KindCatalogue.defaultSearchPath(environment: ctx.environment, projectRoot: ctx.cwd))
        let detected = try await Self.detect(in: ctx.cwd, files: files, kinds: templates, runner: ctx.runner)
        var choices: [Choice]
        if let services {
            choices = try services.map { try Self.parseChoice($0, kinds: templates.kinds) }
        } else if ctx.output.stdinIsTerminal && !dryRun && detected.report.rows.isEmpty {
            let suggestion = detected.services.map(\.name).joined(separator: ",")
            ctx.output.raw("Services (\(templates.kinds.keys.sorted().joined(separator: ", ")))" + (suggestion.isEmpty ? ": " : " [\(suggestion)]: "))
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces)
            choices = answer.isEmpty ? detected.services
                : try answer.split(whereSeparator: { $0 == "," || $0 == " " }).map { try Self.parseChoice(String($0), kinds: templates.kinds) }
        } else if !detected.services.isEmpty || !detected.processes.isEmpty {
            choices = detected.services
        } else if !detected.report.rows.isEmpty {
            throw DevenvError("nothing in \(detected.report.files.joined(separator: ", ")) can be carried over", hint: "Add the app under processes: by hand, or name the services: `devenv init --services postgres,redis`.",
                              exitCode: .usage, details: detected.report.rows.flatMap { r in r.notCarried.map { "\(r.service): not carried: \($0)" } })
        } else {
            throw DevenvError.usage("say which services the project needs", hint: "For example: `devenv init --services postgres,redis`.")
        }
        guard !choices.isEmpty || !detected.processes.isEmpty else {
            throw DevenvError.usage("no services chosen", hint: "For example: `devenv init --services postgres,redis`.")
        }
        // devenv.yml names at least one backing service: a compose file of app containers only
        // is refused, with what would have been carried.
        guard !choices.isEmpty else {
            let files = detected.report.files.isEmpty ? "the compose file" : detected.report.files.joined(separator: ", ")
            throw DevenvError("nothing in \(files) is a backing service devenv can run (only the app: \(detected.processes.map(\.name).joined(separator: ", ")))",
                              hint: "Name the services the app needs, and its processes come along: `devenv init --services postgres,redis`.",
                              exitCode: .usage, details: detected.report.rows.flatMap { r in r.notCarried.map { "\(r.service): not carried: \($0)" } })
        }
        var written = detected
        if services != nil { written.secrets = []; written.configs = [] }   // named kinds only: no compose service uses them
        let text = try InitManifestWriter.manifest(name: name, choices: choices, detected: written, kinds: templates.kinds)
        _ = try ManifestLoader(kinds: templates).parse(text, file: file)
        if !dryRun { try AtomicFile.write(text, to: file, newFileMode: 0o644) }
        return Result(text: text, report: detected.report, written: !dryRun)
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
    static func detect(in dir: String, files: [String] = [], kinds: KindCatalogue, runner: ProcessRunning) async throws -> InitDetection {
        let hints = InitHintTable(kinds)
        var d = InitDetection()
        try await InitCompose.read(dir: dir, files: files, hints: hints, runner: runner, into: &d)
        for f in [".env.example", ".env.sample", ".env.template"] where d.report.rows.isEmpty {
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
        if d.processes.isEmpty, d.report.rows.isEmpty {
            d.processes = InitProcesses.detect(root: dir, taken: Set(d.services.map(\.name)))
            for p in d.processes where p.listens && !d.ports.contains(where: { $0.name == p.name }) { d.ports.append((p.name, nil)) }
            if !d.processes.isEmpty {
                d.notes.append("Processes recognised from " + d.processes.map { "\($0.from) (\($0.cwd ?? "."))" }.joined(separator: ", ") + ".")
            }
        }
        return d
    }
}
