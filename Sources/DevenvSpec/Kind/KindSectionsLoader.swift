import Foundation
import Yams
import DevenvCore

/// The sections of `service.yml` other stages read: `seed:`, `copy:`, `mirror:`, `init:`.
extension KindLoader {
    package mutating func parseSeed(_ node: Node) -> SeedSchema? {
        guard let m = reader.mapping(node, "seed") else { return nil }
        var s = SeedSchema(entries: .list, keyPattern: nil, keyDescription: nil, options: [], folders: false,
                           target: "{{name}}", once: nil, formats: [], tool: nil)
        let allowed = ["entries", "key", "options", "folders", "target", "once", "formats", "tool"]
        for (key, v) in reader.entries(m, allowed: allowed, context: "in seed") {
            switch key {
            case "entries":
                guard let e = reader.string(v, "seed.entries") else { continue }
                if let entries = SeedSchema.Entries(rawValue: e) { s.entries = entries } else {
                    reader.problem(v, "seed.entries must be 'list' or 'map', not '\(e)'\(Suggest.hint(e, among: ["list", "map"]))")
                }
            case "key":
                guard let km = reader.mapping(v, "seed.key") else { continue }
                for (k, kv) in reader.entries(km, allowed: ["pattern", "describe"], context: "in seed.key") {
                    if k == "pattern" { s.keyPattern = reader.regex(kv, "seed.key.pattern") } else { s.keyDescription = reader.string(kv, "seed.key.describe") }
                }
            case "options": s.options = parseSeedOptions(v)
            case "folders": s.folders = reader.bool(v, "seed.folders") ?? false
            case "target": s.target = reader.string(v, "seed.target") ?? s.target
            case "once":
                guard let om = reader.mapping(v, "seed.once") else { continue }
                var once = SeedOnce(per: "", run: [])
                for (k, ov) in reader.entries(om, allowed: ["per", "run"], context: "in seed.once") {
                    if k == "per" { once.per = reader.string(ov, "seed.once.per") ?? "" } else { once.run = reader.argv(ov, "seed.once.run") ?? [] }
                }
                if once.per.isEmpty || once.run.isEmpty { reader.problem(v, "seed.once needs 'per:' (a template) and 'run:' (an argv)") }
                s.once = once
            case "formats": s.formats = parseFormats(v)
            case "tool": s.tool = parseTool(v, "seed.tool")
            default: break
            }
        }
        if s.formats.isEmpty, m["formats"] == nil { reader.problem(node, "seed needs 'formats:' (a list of { match: GLOB, run: [argv] })") }
        if s.entries == .list, s.keyPattern != nil { reader.problem(node, "seed.key applies to entries: map only") }
        if s.entries == .map, !s.options.isEmpty { reader.problem(node, "seed.options apply to entries: list only") }
        let groups = s.keyPattern.map(Self.groupNames) ?? []
        for (i, f) in s.formats.enumerated() {
            for need in f.needs where !groups.contains(need) {
                reader.problem(m["formats"]?.sequence?[i] ?? node, "format needs '\(need)', which seed.key.pattern has no named group (?<\(need)>…) for")
            }
        }
        return s
    }

    /// The named groups `(?<name>…)` of a regular expression.
    /// As the regular expression `\(\?<([A-Za-z][A-Za-z0-9]*)>` finds them, read byte by byte.
    package static func groupNames(_ pattern: String) -> [String] {
        let b = Array(pattern.utf8)
        func letter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
        func digit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        var names: [String] = [], i = 0
        while i + 3 < b.count {
            guard b[i] == UInt8(ascii: "("), b[i + 1] == UInt8(ascii: "?"), b[i + 2] == UInt8(ascii: "<"), letter(b[i + 3]) else { i += 1; continue }
            var end = i + 4
            while end < b.count, letter(b[end]) || digit(b[end]) { end += 1 }
            if end < b.count, b[end] == UInt8(ascii: ">") {
                names.append(String(decoding: b[(i + 3)..<end], as: UTF8.self))
                i = end + 1
            } else { i += 1 }
        }
        return names
    }

    package mutating func parseSeedOptions(_ node: Node) -> [SeedOption] {
        guard let m = reader.mapping(node, "seed.options") else { return [] }
        var out: [SeedOption] = []
        for (k, v) in m {
            guard let name = reader.string(k, "an option name"), let om = reader.mapping(v, "seed option '\(name)'") else { continue }
            if name == "file" { reader.problem(k, "'file' is always there; it cannot be an option"); continue }
            var o = SeedOption(name: name, type: .string, defaultValue: nil, oneOf: nil)
            for (key, ov) in reader.entries(om, allowed: ["type", "default", "one_of"], context: "in seed option '\(name)'") {
                switch key {
                case "type":
                    guard let t = reader.string(ov, "type") else { continue }
                    if let type = SeedOption.ValueType(rawValue: t) { o.type = type } else { reader.problem(ov, "seed option type must be 'string' or 'bool', not '\(t)'") }
                case "default": o.defaultValue = reader.scalarText(ov, "default")
                case "one_of": o.oneOf = reader.string(ov, "one_of")
                default: break
                }
            }
            out.append(o)
        }
        return out
    }

    package mutating func parseFormats(_ node: Node) -> [SeedFormat] {
        guard let seq = node.sequence else { reader.problem(node, "seed.formats must be a list of { match: GLOB, run: [argv] }"); return [] }
        return seq.compactMap { item in
            guard let m = reader.mapping(item, "a seed format") else { return nil }
            var f = SeedFormat(match: [], needs: [], run: [])
            for (key, v) in reader.entries(m, allowed: ["match", "needs", "run"], context: "in a seed format") {
                switch key {
                case "match": f.match = reader.strings(v, "match") ?? []
                case "needs": f.needs = reader.strings(v, "needs") ?? []
                default: f.run = reader.argv(v, "run") ?? []
                }
            }
            if f.match.isEmpty || f.run.isEmpty { reader.problem(item, "a seed format needs 'match:' (a file-name glob like *.sql) and 'run:' (an argv)") }
            return f
        }
    }

    package mutating func parseTool(_ node: Node, _ what: String) -> ToolImage? {
        guard let m = reader.mapping(node, what) else { return nil }
        var tool = ToolImage(image: "", env: [])
        for (key, v) in reader.entries(m, allowed: ["image", "env"], context: "in \(what)") {
            if key == "image" {
                tool.image = reader.string(v, "\(what).image") ?? ""
                if ImageMap.split(tool.image).1 == nil { reader.problem(v, "\(what).image must pin a tag, e.g. quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z") }
            } else { tool.env = reader.templates(v, "\(what).env") }
        }
        if tool.image.isEmpty { reader.problem(node, "\(what) needs 'image:'") }
        return tool
    }

    package mutating func parseCopy(_ node: Node) -> (CopySchema?, LayeredSchema?) {
        guard let m = reader.mapping(node, "copy") else { return (nil, nil) }
        var copy: CopySchema?
        var layered: LayeredSchema?
        for (key, v) in reader.entries(m, allowed: ["live", "layered"], context: "in copy") {
            if key == "live" { copy = parseCommand(v, "copy.live", need: "an argv writing the copy under /target"); continue }
            guard let lm = reader.mapping(v, "copy.layered") else { continue }
            var base: CopySchema?, current: CopySchema?, catchup: CatchUpSchema?
            for (k, lv) in reader.entries(lm, allowed: ["base", "current", "catchup"], context: "in copy.layered") {
                if k == "base" { base = parseCommand(lv, "copy.layered.base", need: "an argv writing the base under /target") }
                else if k == "catchup" { catchup = parseCatchUp(lv) }
                else { current = parseCommand(lv, "copy.layered.current", need: "an argv printing the parent's present state") }
            }
            if let base { layered = LayeredSchema(base: base, current: current, catchup: catchup) }
            else { reader.problem(v, "copy.layered needs 'base:' (run: an argv writing the base under /target)") }
        }
        return (copy, layered)
    }

    /// `copy.layered.catchup`: `anchor` (a template), `anchors` and `release` (commands),
    /// `run` and `env` (the catch-up itself).
    mutating func parseCatchUp(_ node: Node) -> CatchUpSchema? {
        let what = "copy.layered.catchup"
        guard let m = reader.mapping(node, what) else { return nil }
        var anchor: String?, anchors: CopySchema?, release: CopySchema?, run: [String] = [], env: [TemplateEntry] = []
        for (key, v) in reader.entries(m, allowed: ["anchor", "anchors", "release", "run", "env"], context: "in \(what)") {
            switch key {
            case "anchor": anchor = reader.string(v, "\(what).anchor")
            case "anchors": anchors = parseCommand(v, "\(what).anchors", need: "an argv printing one line per anchor: NAME BYTES, or NAME lost")
            case "release": release = parseCommand(v, "\(what).release", need: "an argv releasing the anchors named after it")
            case "run": run = reader.argv(v, "\(what).run") ?? []
            default: env = reader.templates(v, "\(what).env")
            }
        }
        guard let anchor, !anchor.isEmpty, let anchors, let release, !run.isEmpty else {
            reader.problem(node, "\(what) needs 'anchor:' (a name template using {{base.id}}), 'anchors:', 'release:' and 'run:'")
            return nil
        }
        return CatchUpSchema(anchor: anchor, anchors: anchors, release: release, run: run, env: env)
    }

    /// `{ run: ARGV, env: { NAME: TEMPLATE } }`.
    mutating func parseCommand(_ node: Node, _ what: String, need: String) -> CopySchema? {
        guard let m = reader.mapping(node, what) else { return nil }
        var c = CopySchema(run: [], env: [])
        for (key, v) in reader.entries(m, allowed: ["run", "env"], context: "in \(what)") {
            if key == "run" { c.run = reader.argv(v, "\(what).run") ?? [] } else { c.env = reader.templates(v, "\(what).env") }
        }
        if c.run.isEmpty { reader.problem(node, "\(what) needs 'run:' (\(need))"); return nil }
        return c
    }

    package mutating func parseMirror(_ node: Node) -> MirrorHints? {
        guard let m = reader.mapping(node, "mirror") else { return nil }
        var hints = MirrorHints(protocolName: "", versions: [], names: nil)
        let known = InfraService.allCases.map(\.rawValue)
        for (key, v) in reader.entries(m, allowed: ["protocol", "versions", "names", "schemes"], context: "in mirror") {
            if key == "versions" { hints.versions = reader.strings(v, "mirror.versions") ?? []; continue }
            if key == "schemes" { hints.schemes = reader.strings(v, "mirror.schemes") ?? []; continue }
            if key == "names" { hints.names = reader.string(v, "mirror.names"); continue }
            guard let p = reader.string(v, "mirror.protocol") else { continue }
            if !known.contains(p) { reader.problem(v, "unknown mirror protocol '\(p)'\(Suggest.hint(p, among: known)); expected one of: \(known.joined(separator: ", "))") }
            hints.protocolName = p
        }
        if hints.protocolName.isEmpty { reader.problem(node, "mirror needs 'protocol:' (one of: \(known.joined(separator: ", ")))") }
        return hints
    }

    /// The values the kind's mirror protocol reads, and `names:`, a list setting of the kind.
    package mutating func checkMirror(_ kind: ServiceKind, _ node: Node?) {
        guard let node, let hints = kind.mirror, let service = InfraService(rawValue: hints.protocolName) else { return }
        let values = kind.values.map(\.key)
        for value in service.requiredValues where !values.contains(value) {
            reader.problem(node["protocol"] ?? node, "mirror protocol '\(service.rawValue)' reads the value '\(value)': add it under values:\(Suggest.hint(value, among: values))")
        }
        if let names = hints.names {
            if !service.readsNames {
                reader.problem(node["names"] ?? node, "mirror protocol '\(service.rawValue)' reads no names: remove mirror.names")
            } else if kind.setting(names)?.type != .list {
                let lists = kind.settings.filter { $0.type == .list }.map(\.name)
                reader.problem(node["names"] ?? node, "mirror.names '\(names)' is not a list setting of the kind\(Suggest.hint(names, among: lists))")
            }
        }
    }

    package mutating func parseInit(_ node: Node) -> InitHints? {
        guard let m = reader.mapping(node, "init") else { return nil }
        var hints = InitHints(images: [], env: [], schemes: [], suggest: false)
        for (key, v) in reader.entries(m, allowed: ["images", "tags", "env", "schemes", "settings", "aliases", "suggest"], context: "in init") {
            switch key {
            case "images": hints.images = reader.strings(v, "init.images") ?? []
            case "env": hints.env = reader.templates(v, "init.env")
            case "schemes": hints.schemes = reader.strings(v, "init.schemes") ?? []
            case "tags":
                guard let t = reader.string(v, "init.tags") else { continue }
                if reader.checksPatterns, (try? NSRegularExpression(pattern: "^(?:" + t + ")$")) == nil { reader.problem(v, "init.tags '\(t)' is not a regular expression") }
                hints.tags = t
            case "settings":
                guard let sm = reader.mapping(v, "init.settings") else { continue }
                for (k, vars) in sm {
                    guard let name = reader.string(k, "a setting name"), let list = reader.strings(vars, "init.settings.\(name)") else { continue }
                    hints.settings.append(InitSetting(setting: name, variables: list))
                }
            case "aliases":   // checked against compose.yml's environment once it is read (KindLoader.load)
                guard let am = reader.mapping(v, "init.aliases") else { continue }
                for (k, target) in am {
                    guard let name = reader.string(k, "an alias"), let variable = reader.string(target, "init.aliases.\(name)") else { continue }
                    hints.aliases.append((name, variable))
                }
            default: hints.suggest = reader.bool(v, "init.suggest") ?? false
            }
        }
        return hints
    }
}
