import Foundation
import Yams
import DevenvCore

/// Reads and validates a kind folder's `service.yml` (the schema in templates/README.md):
/// every problem at once, each at `service.yml:LINE:COLUMN`, the template keys of every
/// template checked against what the kind's context will hold.
public struct KindLoader {
    package static let topKeys = ["description", "image", "version", "ports", "data", "settings", "secrets", "values",
                          "probe", "dotenv", "setup", "seed", "copy", "rotate", "mirror", "init", "damaged_data", "upgrade"]
    /// Keys every service takes in devenv.yml; a setting may not reuse them.
    package static let reservedSettings = ServiceKeys.common + ["ports", "ready"]

    /// The kind, or every problem with its folder's files.
    public static func load(folder: String) -> Result<ServiceKind, ManifestError> {
        let name = (folder as NSString).lastPathComponent
        let metaPath = folder + "/service.yml", fragmentPath = folder + "/compose.yml"
        guard let metaText = FileManager.default.contents(atPath: metaPath).flatMap({ String(data: $0, encoding: .utf8) }) else {
            return .failure(ManifestError(file: metaPath, problems: [ManifestProblem(line: 1, column: 1, "cannot read this file as UTF-8 text")]))
        }
        guard let fragment = FileManager.default.contents(atPath: fragmentPath).flatMap({ String(data: $0, encoding: .utf8) }) else {
            return .failure(ManifestError(file: fragmentPath, problems: [ManifestProblem(line: 1, column: 1, "kind '\(name)' needs a readable compose.yml beside service.yml")]))
        }
        return load(name: name, folder: folder, serviceYAML: metaText, composeYAML: fragment)
    }

    /// The kind from its two files' text; `folder` names them in messages (`(built in)/postgres`
    /// for a kind compiled into devenv). `builtin`: its regular expressions and templates are not
    /// compiled to check them (``NodeReader/checksPatterns``; its templates compile when first
    /// rendered): the build checked them. Everything else is checked as for a folder.
    public static func load(name: String, folder: String, serviceYAML metaText: String, composeYAML fragment: String,
                            builtin: Bool = false) -> Result<ServiceKind, ManifestError> {
        let metaPath = folder + "/service.yml", fragmentPath = folder + "/compose.yml"
        func failure(_ file: String, _ problems: [ManifestProblem]) -> Result<ServiceKind, ManifestError> {
            .failure(ManifestError(file: file, problems: problems))
        }
        let node: Node
        do {
            guard let n = try YAMLBasic.compose(metaText) else { return failure(metaPath, [ManifestProblem(line: 1, column: 1, "the file is empty")]) }
            node = n
        } catch let e as YamlError {
            return failure(metaPath, [YamlProblem.problem(from: e)])
        } catch {
            return failure(metaPath, [ManifestProblem(line: 1, column: 1, "invalid YAML: \(error)")])
        }
        var loader = KindLoader(name: name, folder: folder)
        loader.reader.checksPatterns = !builtin
        var kind = loader.parse(node, fragment: fragment)
        var problems = loader.reader.problems
        if let k = kind {
            // A built-in kind's templates were checked when devenv was built (BuiltinKindsTests);
            // they are compiled when first rendered (CompiledTemplates.render), not all at load.
            var check = KindTemplateCheck(kind: k)
            if !builtin { problems += check.run(node) }
            kind?.templates = check.compiled
            for d in k.damagedData { kind?.templates.add(d) }   // unchecked: one that does not compile matches nothing
            var fragmentProblems = builtin ? [] : check.fragmentProblems()
            let (compose, composeProblem) = ComposeFragment.parse(fragment)
            if let compose {
                kind?.compose = compose
                let own = compose.environmentTemplates.map(\.key)
                for a in k.initHints?.aliases ?? [] where !own.contains(a.variable) {
                    let at = node["init"]?["aliases"]?[a.name] ?? node
                    problems.append(ManifestProblem(line: at.mark?.line ?? 1, column: at.mark?.column ?? 1,
                                                    "init.aliases.\(a.name): '\(a.variable)' is not a variable of compose.yml's environment\(Suggest.hint(a.variable, among: own))"))
                }
            }
            if let composeProblem { fragmentProblems.insert(composeProblem, at: 0) }
            if !fragmentProblems.isEmpty, problems.isEmpty { return failure(fragmentPath, fragmentProblems) }
            problems += fragmentProblems.map { ManifestProblem(line: $0.line, column: $0.column, "compose.yml:\($0.line): " + $0.message) }
        }
        if let kind, problems.isEmpty { return .success(kind) }
        return failure(metaPath, problems.isEmpty ? [ManifestProblem(line: 1, column: 1, "not a valid kind")] : problems)
    }

    package let name: String
    package let folder: String
    package var reader = NodeReader()

    package mutating func parse(_ node: Node, fragment: String) -> ServiceKind? {
        guard let top = reader.mapping(node, "service.yml") else { return nil }
        var kind = ServiceKind(name: name, folder: folder, description: name, image: "", version: "", ports: [], dataPath: nil,
                               settings: [], secrets: [], values: [], probe: KindProbe(type: .tcp, parameters: [:], port: nil),
                               dotenv: [], setup: [], seed: nil, copy: nil, mirror: nil, initHints: nil, composeFragment: fragment)
        var probeNode: Node?
        for (key, v) in reader.entries(top, allowed: Self.topKeys, context: "in service.yml") {
            switch key {
            case "description": kind.description = reader.string(v, "description") ?? name
            case "image":
                if let image = reader.string(v, "image") {
                    if ImageMap.split(image).1 != nil || image.contains(where: \.isWhitespace) {
                        reader.problem(v, "image is the repository only (the tag goes in version:), found '\(image)'")
                    }
                    kind.image = image
                }
            case "version":
                if let version = reader.scalarText(v, "version") {
                    if version.isEmpty || version == "latest" { reader.problem(v, "version must pin a tag (never 'latest'), e.g. version: \"16\"") }
                    kind.version = version
                }
            case "ports": kind.ports = parsePorts(v)
            case "data":
                if let d = reader.string(v, "data") {
                    if !d.hasPrefix("/") { reader.problem(v, "data must be an absolute path in the container, found '\(d)'") }
                    kind.dataPath = d
                }
            case "settings": kind.settings = parseSettings(v)
            case "secrets": kind.secrets = parseSecrets(v)
            case "values": kind.values = reader.templates(v, "values")
            case "dotenv":
                kind.dotenv = reader.templates(v, "dotenv")
                let keyNodes = v.mapping.map { Array($0.keys) } ?? []
                for (k, entry) in zip(keyNodes, kind.dotenv) where !EnvKey.isValid(entry.key) {
                    reader.problem(k, "'\(entry.key)' is not a valid environment variable name")
                }
            case "probe": probeNode = v
            case "setup": kind.setup = parseSetup(v)
            case "seed": kind.seed = parseSeed(v)
            case "copy": (kind.copy, kind.layered) = parseCopy(v)
            case "rotate": kind.rotate = parseRotate(v)
            case "mirror": kind.mirror = parseMirror(v)
            case "init": kind.initHints = parseInit(v)
            case "damaged_data": kind.damagedData = reader.strings(v, "damaged_data") ?? []
            case "upgrade": kind.upgrade = parseUpgrade(v)
            default: break
            }
        }
        if kind.upgrade != nil, kind.dataPath == nil, let u = top["upgrade"] { reader.problem(u, "upgrade needs 'data:' (the data folder the version file is read from)") }
        if top["image"] == nil { reader.problem(node, "missing 'image:' (the repository, e.g. image: postgres)") }
        if top["version"] == nil { reader.problem(node, "missing 'version:' (a pinned default tag, e.g. version: \"16\")") }
        kind.probe = parseProbe(probeNode, ports: kind.ports, at: node)
        checkRotate(kind, top)
        checkMirror(kind, top["mirror"])
        for s in kind.initHints?.settings ?? [] where kind.setting(s.setting) == nil {
            reader.problem(top["init"]?["settings"] ?? node, "init.settings names '\(s.setting)', which is not one of this kind's settings\(Suggest.hint(s.setting, among: kind.settings.map(\.name)))")
        }
        return kind
    }

    package mutating func parsePorts(_ node: Node) -> [KindPort] {
        guard let m = reader.mapping(node, "ports") else { return [] }
        var out: [KindPort] = []
        for (k, v) in m {
            guard let n = reader.string(k, "a port name"), let p = reader.port(v, "ports.\(n)") else { continue }
            if !NameSyntax.matches(n, first: ASCIIClass("a-z"), rest: ASCIIClass("a-z0-9_")) {
                reader.problem(k, "port name '\(n)' must be lower-case letters, digits and '_'")
            }
            out.append(KindPort(name: n, container: p))
        }
        return out
    }

    package mutating func parseSecrets(_ node: Node) -> [KindSecret] {
        guard let m = reader.mapping(node, "secrets") else { return [] }
        var out: [KindSecret] = []
        for (k, v) in m {
            guard let n = reader.string(k, "a secret name"), let length = reader.int(v, "secrets.\(n) (its length)") else { continue }
            if !(8...128).contains(length) { reader.problem(v, "secrets.\(n) must be 8 to 128 characters long") }
            out.append(KindSecret(name: n, length: length))
        }
        return out
    }

    package mutating func parseSettings(_ node: Node) -> [KindSetting] {
        guard let m = node.mapping else {
            reader.problem(node, "settings must be a map of name → { type: string|int|bool|list, default: …, describe: … }, found \(NodeReader.describe(node))")
            return []
        }
        var out: [KindSetting] = []
        for (k, v) in m {
            guard let n = reader.string(k, "a setting name") else { continue }
            if Self.reservedSettings.contains(n) { reader.problem(k, "setting '\(n)' would hide the common key of the same name"); continue }
            guard let sm = reader.mapping(v, "setting '\(n)'") else { continue }
            var s = KindSetting(name: n, type: .string)
            var defaultNode: Node?
            let allowed = ["type", "describe", "pattern", "choices", "min", "max", "item", "default"]
            for (key, sv) in reader.entries(sm, allowed: allowed, context: "in setting '\(n)'") {
                switch key {
                case "type":
                    guard let t = reader.string(sv, "type") else { continue }
                    if let type = KindSetting.ValueType(rawValue: t) { s.type = type } else {
                        let all = KindSetting.ValueType.allCases.map(\.rawValue)
                        reader.problem(sv, "unknown setting type '\(t)'\(Suggest.hint(t, among: all)); expected one of: \(all.joined(separator: ", "))")
                    }
                case "describe": s.describe = reader.string(sv, "describe")
                case "pattern": s.pattern = reader.regex(sv, "pattern")
                case "choices": s.choices = reader.strings(sv, "choices") ?? []
                case "min": s.min = reader.int(sv, "min")
                case "max": s.max = reader.int(sv, "max")
                case "item":
                    guard let im = reader.mapping(sv, "item") else { continue }
                    for (ik, iv) in reader.entries(im, allowed: ["pattern", "describe"], context: "in setting '\(n)'.item") {
                        if ik == "pattern" { s.pattern = reader.regex(iv, "item.pattern") } else { s.patternDescription = reader.string(iv, "item.describe") }
                    }
                case "default": defaultNode = sv
                default: break
                }
            }
            if sm["type"] == nil { reader.problem(k, "setting '\(n)' needs 'type:' (string, int, bool or list)") }
            if let defaultNode { s.defaultValue = SettingReader.read(defaultNode, as: s, &reader, checkPattern: false) }
            out.append(s)
        }
        return out
    }

    package mutating func parseProbe(_ node: Node?, ports: [KindPort], at top: Node) -> KindProbe {
        let fallback = KindProbe(type: ports.isEmpty ? .none : .tcp, parameters: [:], port: nil)
        guard let node else { return fallback }
        let all = ProbeType.allCases.map(\.rawValue)
        func type(_ text: String, _ at: Node) -> ProbeType? {
            if let t = ProbeType(rawValue: text) { return t }
            reader.problem(at, "unknown probe '\(text)'\(Suggest.hint(text, among: all)); expected one of: \(all.joined(separator: ", "))")
            return nil
        }
        if case .scalar(let s) = node { return type(s.string, node).map { KindProbe(type: $0, parameters: [:], port: nil) } ?? fallback }
        guard let m = reader.mapping(node, "probe"), let typeNode = m["type"] else {
            reader.problem(node, "probe needs 'type:' (one of: \(all.joined(separator: ", ")))")
            return fallback
        }
        guard let typeText = reader.string(typeNode, "probe.type"), let t = type(typeText, typeNode) else { return fallback }
        var probe = KindProbe(type: t, parameters: [:], port: nil)
        for (key, v) in reader.entries(m, allowed: ["type", "port"] + t.parameters, context: "in probe (\(t.rawValue))") {
            switch key {
            case "type": break
            case "port":
                guard let p = reader.string(v, "probe.port") else { continue }
                if !ports.contains(where: { $0.name == p }) { reader.problem(v, "probe.port '\(p)' is not one of the kind's ports\(Suggest.hint(p, among: ports.map(\.name)))") }
                probe.port = p
            default: probe.parameters[key] = reader.scalarText(v, "probe.\(key)")
            }
        }
        if t != .none, ports.isEmpty { reader.problem(node, "a \(t.rawValue) probe needs a port; add 'ports:' or use probe: none") }
        return probe
    }

    package mutating func parseSetup(_ node: Node) -> [SetupStep] {
        guard let seq = node.sequence else { reader.problem(node, "setup must be a list of { when: KEY, each: LIST, run: [argv] }"); return [] }
        return seq.compactMap { item in
            guard let m = reader.mapping(item, "a setup step") else { return nil }
            var step = SetupStep(run: [])
            for (key, v) in reader.entries(m, allowed: ["when", "each", "run", "tool"], context: "in a setup step") {
                switch key {
                case "when": step.when = reader.string(v, "when")
                case "each": step.each = reader.string(v, "each")
                case "tool": step.tool = parseTool(v, "setup.tool")
                default: step.run = reader.argv(v, "run") ?? []
                }
            }
            if m["run"] == nil { reader.problem(item, "a setup step needs 'run:' (an argv list)") }
            return step
        }
    }
}
