import Foundation
import Yams
import DevenvCore

/// Finds and loads `devenv.yml`, collecting every problem before reporting (XcodeGen's
/// SpecValidation style): a manifest with three mistakes gets three lines, not one.
public struct ManifestLoader {
    public static let fileName = "devenv.yml"
    package static let topKeys = ["name", "isolation", "services", "env", "ports", "processes", "seed", "staging", "pull", "secrets", "configs"]

    /// The kinds services may use (their settings are validated here too).
    public var kinds: KindCatalogue

    /// Each service's context without ports and secrets (settings, defaults, values), which a
    /// seed's option defaults, `one_of` and targets render against; given, `seed:` is read into
    /// `Manifest.seeds` (files checked); nil, it is left out (`devenv init`, registry recovery).
    public var seedContexts: ((Manifest) -> [String: [String: Any]])?

    public init(kinds: KindCatalogue, seedContexts: ((Manifest) -> [String: [String: Any]])? = nil) {
        self.kinds = kinds
        self.seedContexts = seedContexts
    }

    /// Walks up from `directory` to find `devenv.yml`, like git finds `.git`.
    public static func find(from directory: String) -> String? {
        var dir = URL(fileURLWithPath: directory).standardizedFileURL.path
        while true {
            let candidate = dir == "/" ? "/\(fileName)" : "\(dir)/\(fileName)"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            if dir == "/" || dir.isEmpty { return nil }
            dir = (dir as NSString).deletingLastPathComponent
        }
    }

    /// The manifest and every problem in it; the manifest is nil only when the file could
    /// not be read as YAML at all. Problems that need more than one section (env keys, processes)
    /// are added by `SpecValidation`.
    public func read(file: String) throws -> (Manifest?, [ManifestProblem]) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw DevenvError.usage("cannot read \(file)", hint: "Check the file exists and is readable.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [YamlProblem.notUTF8(data)])
        }
        return read(text, file: file)
    }

    public func load(file: String) throws -> Manifest {
        let (manifest, problems) = try read(file: file)
        guard let manifest, problems.isEmpty else { throw ManifestError(file: file, problems: problems) }
        return manifest
    }

    public func parse(_ text: String, file: String) throws -> Manifest {
        let (manifest, problems) = read(text, file: file)
        guard let manifest, problems.isEmpty else { throw ManifestError(file: file, problems: problems) }
        return manifest
    }

    public func read(_ text: String, file: String) -> (Manifest?, [ManifestProblem]) {
        do { return try readOrThrow(text, file: file) }
        catch let e as ManifestError { return (nil, e.problems) }
        catch { return (nil, [ManifestProblem(line: 1, column: 1, "\(error)")]) }
    }

    package func readOrThrow(_ text: String, file: String) throws -> (Manifest?, [ManifestProblem]) {
        let root = (file as NSString).deletingLastPathComponent
        var reader = NodeReader()
        let node: Node?
        do {
            node = try YAMLBasic.compose(text)
        } catch let error as YamlError {
            throw ManifestError(file: file, problems: [YamlProblem.problem(from: error, text: text)])
        }
        var manifest = Manifest(
            file: file, root: root, name: Self.defaultName(root: root), isolation: .project,
            services: [], envTargets: [], appPorts: [], staging: nil)
        guard let node else {
            throw ManifestError(file: file, problems: [ManifestProblem(line: 1, column: 1, "the manifest is empty; expected at least 'services:'")])
        }
        guard let top = reader.mapping(node, "the manifest") else { throw ManifestError(file: file, problems: reader.problems) }
        let oversized = ValueLimits.oversized(node)
        if !oversized.isEmpty { throw ManifestError(file: file, problems: oversized) }
        var pullNode: Node?
        var stagingNode: Node?
        var seedNodes: [(service: String, node: Node)] = []
        for (key, value) in reader.entries(top, allowed: Self.topKeys, context: "at the top level") {
            switch key {
            case "name":
                if let s = reader.string(value, "name") {
                    if !NameSyntax.matches(s, first: ASCIIClass("A-Za-z0-9"), rest: ASCIIClass("A-Za-z0-9_.-")) {
                        reader.problem(value, "name '\(s)' must start with a letter or digit and hold only letters, digits, '.', '_' and '-'")
                    } else { manifest.name = s }
                }
            case "isolation":
                if let s = reader.string(value, "isolation") {
                    if let iso = Isolation(rawValue: s) { manifest.isolation = iso }
                    else { reader.problem(value, "isolation must be 'project' or 'branch', not '\(s)'\(Suggest.hint(s, among: ["project", "branch"]))") }
                }
            case "services": manifest.services = ServiceParser(kinds: kinds).parse(value, &reader)
            case "env": manifest.envTargets = parseEnv(value, &reader)
            case "ports": manifest.appPorts = parseAppPorts(value, &reader)
            case "seed":
                if let m = reader.mapping(value, "seed") {
                    for (k, v) in m {
                        guard let name = reader.string(k, "a seed's service name") else { continue }
                        seedNodes.removeAll { $0.service == name }
                        seedNodes.append((name, v))
                    }
                }
            case "staging": stagingNode = value
            case "processes": manifest.processes = ProcessParser().parse(value, &reader)
            case "pull": pullNode = value
            case "secrets": manifest.secrets = ServiceParser.parseSecrets(value, &reader)
            case "configs": manifest.configs = ServiceParser.parseSecrets(value, &reader, key: "configs")
            default: break
            }
        }
        if let stagingNode {
            // After `env:`, whatever the order: `target:` must name one of its files.
            let (config, problems) = StagingConfig.parse(stagingNode, envFiles: manifest.envTargets.map(\.path))
            manifest.staging = config
            manifest.stagingTemplates = StagingConfig.templates(stagingNode)
            reader.problems += problems
        }
        if let seedContexts, !seedNodes.isEmpty {
            manifest.seeds = SeedParser(kinds: kinds, contexts: seedContexts(manifest)).parse(seedNodes, of: manifest, into: &reader)
        }
        if let pullNode { manifest.pulls = PullParser(kinds: kinds).parse(pullNode, services: manifest.services, projectName: manifest.name, into: &reader) }
        if top["services"] == nil, !top.contains(where: { $0.key.string.map { Suggest.nearest($0, among: ["services"]) != nil } ?? false }) { reader.problem(node, "missing 'services:'; expected a map of services, e.g. 'services: { postgres: { version: \"16\" } }'") }
        crossCheck(manifest, top, &reader)
        Self.compileTemplates(&manifest, &reader)
        return (manifest, reader.problems)
    }

    package static func defaultName(root: String) -> String {
        let base = (root as NSString).lastPathComponent
        return base.isEmpty ? "devenv" : base
    }

    private func parseEnv(_ node: Node, _ reader: inout NodeReader) -> [EnvTargetSpec] {
        guard let files = reader.mapping(node, "env") else { return [] }
        var targets: [EnvTargetSpec] = []
        for (pathNode, keysNode) in files {
            guard let path = reader.string(pathNode, "an env file path") else { continue }
            if path.hasPrefix("/") || path.split(separator: "/").contains("..") {
                reader.problem(pathNode, "env file '\(path)' must be a path inside the project, like 'api/.env'")
                continue
            }
            var keys: [EnvKeySpec] = []
            if let m = reader.mapping(keysNode, "env file '\(path)'") {
                for (k, v) in m {
                    guard let key = reader.string(k, "an env key") else { continue }
                    if !NameSyntax.matches(key, first: ASCIIClass("A-Za-z_"), rest: ASCIIClass("A-Za-z0-9_.")) {
                        reader.problem(k, "'\(key)' is not a valid environment variable name")
                    }
                    guard let value = reader.scalarText(v, "the value of \(key)") else { continue }
                    keys.append(EnvKeySpec(key: key, template: value, line: v.mark?.line ?? 0, column: v.mark?.column ?? 0))
                }
            }
            targets.append(EnvTargetSpec(path: path, keys: keys))
        }
        return targets
    }

    private func parseAppPorts(_ node: Node, _ reader: inout NodeReader) -> [AppPort] {
        guard let m = reader.mapping(node, "ports") else { return [] }
        var ports: [AppPort] = []
        for (k, v) in m {
            guard let name = reader.string(k, "a port name") else { continue }
            if case .scalar(let s) = v, s.string == "auto" { ports.append(AppPort(name: name, port: nil)); continue }
            guard case .scalar(let s) = v, let port = Int(s.string), (1...65535).contains(port) else {
                reader.problem(v, "ports.\(name) must be a port number between 1 and 65535, or 'auto' for one from the stack's block, found \(NodeReader.describe(v))")
                continue
            }
            ports.append(AppPort(name: name, port: port))
        }
        return ports
    }

    private func crossCheck(_ manifest: Manifest, _ top: Node.Mapping, _ reader: inout NodeReader) {
        let names = manifest.services.map(\.name)
        if let seed = top["seed"]?.mapping {
            for (k, _) in seed {
                if let s = k.string, !names.contains(s) {
                    reader.problem(k, "seed for unknown service '\(s)'\(Suggest.hint(s, among: names))")
                }
            }
        }
        // A service's `secrets:` (`configs:`) names one of the top-level `secrets:` (`configs:`).
        for (key, declared) in [("secrets", manifest.secrets.map(\.name)), ("configs", manifest.configs.map(\.name))] {
            for s in manifest.services {
                guard let option = s.option(key) else { continue }
                for ref in ServiceParser.secretNames(option) where !declared.contains(ref.name) {
                    reader.problems.append(ManifestProblem(line: ref.line, column: ref.column, "service '\(s.name)' uses \(key == "secrets" ? "secret" : "config") '\(ValueLimits.quoted(ref.name))', which the top-level \(key): does not have\(Suggest.hint(ref.name, among: declared))"))
                }
            }
        }
        var pinned: [Int: String] = [:]
        for s in manifest.services {
            for p in [s.pinnedPort].compactMap({ $0 }) + s.ports.compactMap(\.pinnedHost) {
                if let other = pinned[p] {
                    reader.problems.append(ManifestProblem(line: s.line, column: 3, "services '\(other)' and '\(s.name)' both pin host port \(p)"))
                }
                pinned[p] = s.name
            }
        }
    }
}

extension ManifestLoader {
    /// Compiles every Mustache template devenv.yml holds into `manifest.templates`, as kinds'
    /// templates are when a kind loads: a syntax error (`{{postgres.url` without its `}}`) is
    /// a devenv.yml:LINE:COLUMN problem reported with the others, before anything starts,
    /// instead of a failure halfway through `up`.
    static func compileTemplates(_ manifest: inout Manifest, _ reader: inout NodeReader) {
        var texts: [(text: String, line: Int, column: Int, place: String)] = []
        for t in manifest.envTargets {
            for k in t.keys { texts.append((k.template, k.line, k.column, "\(t.path) \(k.key)")) }
        }
        for p in manifest.processes {
            let m = p.mark("run")
            for text in p.run.texts { texts.append((text, m.line, m.column, "the run of process '\(p.name)'")) }
        }
        for t in manifest.stagingTemplates { texts.append((t.text, t.line, t.column, t.place)) }
        for t in texts where t.text.contains("{{") {
            if let e = manifest.templates.add(t.text) {
                reader.problems.append(ManifestProblem(line: t.line, column: t.column,
                    "the template in \(t.place) does not parse: \(e.message) (at its line \(e.line), column \(e.column)); a value is written as {{service.key}}"))
            }
        }
    }
}
