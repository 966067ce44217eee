import Foundation
import Yams
import DevenvCore

/// Reads the manifest's `seed:` section into `SeedItem`s by each service kind's `seed:` schema
/// (templates/README.md, "Seeds"): the entry shape, options, key, formats, and that every file
/// exists. Every problem is collected, each at `devenv.yml:LINE:COLUMN`.
public struct SeedParser {
    public var kinds: KindCatalogue
    /// Each service's context without ports and secrets (settings, defaults, values): what
    /// option defaults, `one_of` and targets render against.
    public var contexts: [String: [String: Any]]
    public var fileManager: FileManager = .default

    public init(kinds: KindCatalogue, contexts: [String: [String: Any]]) { self.kinds = kinds; self.contexts = contexts }

    /// `seeds`: each service's entry under `seed:`, in the order the file lists them.
    package func parse(_ seeds: [(service: String, node: Node)], of manifest: Manifest, into reader: inout NodeReader) -> [SeedItem] {
        var items: [SeedItem] = []
        for (service, node) in seeds {
            guard let spec = manifest.service(named: service) else { continue }   // the loader reports unknown services
            guard let kind = kinds.kind(named: spec.kind), let schema = kind.seed else {
                let seedable = kinds.kinds.values.filter { $0.seed != nil }.map(\.name).sorted()
                reader.problem(node, "service '\(service)' (\(spec.isGeneric ? "an image" : "kind \(spec.kind)")) cannot be seeded; seeds work for \(seedable.joined(separator: ", "))")
                continue
            }
            var one = One(service: service, kind: kind, schema: schema, context: contexts[service] ?? [:], root: manifest.root, fileManager: fileManager)
            items += schema.entries == .list ? one.list(node, &reader) : one.map(node, &reader)
        }
        return items
    }

    /// The seeds of one service.
    package struct One {
        package let service: String, kind: ServiceKind, schema: SeedSchema, context: [String: Any], root: String, fileManager: FileManager

        package var formatNames: String {
            let all = schema.formats.flatMap(\.match).map { $0.hasPrefix("*") ? String($0.dropFirst()) : $0 }
            return all.count > 1 ? all.dropLast().joined(separator: ", ") + " or " + all.last! : all.joined()
        }

        package mutating func list(_ node: Node, _ reader: inout NodeReader) -> [SeedItem] {
            let allowed = ["file"] + schema.options.map(\.name)
            var out: [SeedItem] = []
            for entry in node.sequence.map(Array.init) ?? [node] {
                var fileNode = entry
                var values: [String: SettingValue] = [:]
                if let m = entry.mapping {
                    var file: Node?
                    for (key, value) in reader.entries(m, allowed: allowed, context: "in a \(kind.name) seed") {
                        if key == "file" { file = value; continue }
                        guard let option = schema.options.first(where: { $0.name == key }) else { continue }
                        if let v = optionValue(option, value, &reader) { values[key] = v }
                    }
                    guard let file else {
                        let example = schema.options.first.map { ", \($0.name): …" } ?? ""
                        reader.problem(entry, "a \(kind.name) seed written as a map needs 'file:', e.g. { file: seeds/data\(schema.formats.last?.match.first.map { $0.replacingOccurrences(of: "*", with: "") } ?? "")\(example) }")
                        continue
                    }
                    fileNode = file
                }
                guard let file = reader.string(fileNode, "a \(kind.name) seed file"),
                      let path = existingFile(file, fileNode, &reader),
                      let item = make(file: file, path: path, key: (file as NSString).lastPathComponent, groups: [:], options: values, at: fileNode, &reader)
                else { continue }
                out.append(item)
            }
            return out
        }

        package mutating func map(_ node: Node, _ reader: inout NodeReader) -> [SeedItem] {
            guard let m = node.mapping else {
                let example = schema.folders ? "{ uploads: seeds/uploads/ }" : "{ KEY: seeds/file }"
                reader.problem(node, "seeds for '\(service)' must be a map, e.g. \(schema.keyDescription.map { "\(example) (KEY: \($0))" } ?? example); found \(NodeReader.describe(node))")
                return []
            }
            var out: [SeedItem] = []
            for (keyNode, value) in m {
                guard let key = reader.string(keyNode, "a \(kind.name) seed key") else { continue }
                guard let groups = keyGroups(key) else {
                    reader.problem(keyNode, "'\(key)' is not a valid \(kind.name) seed key (\(schema.keyDescription ?? "must match \(schema.keyPattern ?? "")"))"); continue
                }
                for entry in value.sequence.map(Array.init) ?? [value] {
                    guard let file = reader.string(entry, "the seed of '\(key)'") else { continue }
                    let path = absolute(file)
                    var isDir: ObjCBool = false
                    let exists = fileManager.fileExists(atPath: path, isDirectory: &isDir)
                    if schema.folders {
                        guard exists else { reader.problem(entry, "seed folder '\(file)' does not exist (looked for \(path))"); continue }
                        guard isDir.boolValue else { reader.problem(entry, "'\(file)' must be a folder: each file in it is one seed of '\(key)'"); continue }
                        let base = file.hasSuffix("/") ? file : file + "/"
                        for rel in SeedParser.files(under: path) {
                            if let item = make(file: base + rel, path: path + "/" + rel, key: rel, groups: groups, options: [:], at: entry, &reader) { out.append(item) }
                        }
                        continue
                    }
                    guard let existing = existingFile(file, entry, &reader),
                          let item = make(file: file, path: existing, key: (file as NSString).lastPathComponent, groups: groups, options: [:], at: entry, &reader, keyNode: keyNode, keyText: key)
                    else { continue }
                    out.append(item)
                }
            }
            return out
        }

        /// The named groups of the key pattern, or nil when the key does not match.
        package func keyGroups(_ key: String) -> [String: String]? {
            guard let pattern = schema.keyPattern else { return [:] }
            guard let re = try? NSRegularExpression(pattern: "^(?:\(pattern))$"),
                  let match = re.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)) else { return nil }
            var out: [String: String] = [:]
            for name in KindLoader.groupNames(pattern) {
                let r = match.range(withName: name)
                if r.location != NSNotFound, let range = Range(r, in: key), !key[range].isEmpty { out[name] = String(key[range]) }
            }
            return out
        }

        package func optionValue(_ option: SeedOption, _ node: Node, _ reader: inout NodeReader) -> SettingValue? {
            switch option.type {
            case .bool: return reader.bool(node, option.name).map(SettingValue.bool)
            case .string:
                guard let s = reader.string(node, option.name) else { return nil }
                if let setting = option.oneOf, let allowed = context[setting] as? [String], !allowed.contains(s) {
                    reader.problem(node, "\(option.name) '\(s)' is not one of \(service)'s \(setting) (\(allowed.joined(separator: ", ")))\(Suggest.hint(s, among: allowed)); add it to services.\(service).\(setting)")
                }
                return .string(s)
            }
        }

        /// The item for one file: its format, `{{seed.…}}` values and rendered target.
        package func make(file: String, path: String, key: String, groups: [String: String], options: [String: SettingValue], at node: Node,
                  _ reader: inout NodeReader, keyNode: Node? = nil, keyText: String? = nil) -> SeedItem? {
            let name = (file as NSString).lastPathComponent
            guard let index = schema.formats.firstIndex(where: { $0.matches(name) }) else {
                reader.problem(node, "\(kind.name) seed '\(file)' must be a \(formatNames) file"); return nil
            }
            let format = schema.formats[index]
            if let missing = format.needs.first(where: { groups[$0] == nil }) {
                reader.problem(keyNode ?? node, "'\(keyText ?? key)' has no \(missing) for \(file) (\(schema.keyDescription ?? "see the kind's seed.key"))"); return nil
            }
            var values = options
            for o in schema.options where values[o.name] == nil {
                guard let d = o.defaultValue else { continue }
                let rendered = (try? kind.render(d, context)) ?? d
                values[o.name] = o.type == .bool ? .bool(["true", "yes", "1"].contains(rendered.lowercased())) : .string(rendered)
            }
            for (g, v) in groups { values[g] = .string(v) }
            values["file"] = .string(file); values["name"] = .string(name); values["key"] = .string(key)
            values["content_type"] = .string(SeedItem.contentType(of: key))
            var ctx = context
            ctx["seed"] = values.mapValues(\.templateValue)
            let target = (try? kind.render(schema.target, ctx)) ?? service
            return SeedItem(service: service, file: file, path: path, format: index, values: values, target: target,
                            line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        }

        package func absolute(_ file: String) -> String {
            file.hasPrefix("/") ? file : URL(fileURLWithPath: root).appendingPathComponent(file).standardizedFileURL.path
        }

        package func existingFile(_ file: String, _ node: Node, _ reader: inout NodeReader) -> String? {
            let path = absolute(file)
            var isDir: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDir) else {
                reader.problem(node, "seed file '\(file)' does not exist (looked for \(path))"); return nil
            }
            if isDir.boolValue { reader.problem(node, "seed '\(file)' is a folder; name the file(s) in it"); return nil }
            return path
        }
    }

    /// Every regular file under `dir`, as sorted paths relative to it; hidden files and
    /// folders (`.DS_Store`, `.gitkeep`) are left out.
    package static func files(under dir: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            if (rel as NSString).lastPathComponent.hasPrefix(".") {
                if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { walker.skipDescendants() }
                continue
            }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir), !isDir.boolValue { out.append(rel) }
        }
        return out.sorted()
    }
}
