import Foundation
import Yams

/// A service kind from `templates/services/<kind>/`: its metadata (`service.yml`) and its
/// compose fragment (`compose.yml`, a Mustache template). Adding a kind is adding a folder.
public struct ServiceKind: Sendable {
    public var name: String
    public var folder: String
    public var description: String
    public var image: String
    public var version: String
    /// Named container ports, `main` first.
    public var ports: [(name: String, container: Int)]
    public var probe: String
    public var dataPath: String?
    public var settings: [String]
    /// Random secrets per stack: name → length.
    public var secrets: [(name: String, length: Int)]
    /// Template keys exported to `.env` templates, rendered in order.
    public var values: [(key: String, template: String)]
    public var dotenv: [(key: String, template: String)]
    public var setup: [SetupStep]
    /// Seed commands by name (`exec`, `import`, …) as argv templates.
    public var seed: [String: [String]]
    public var composeFragment: String
    /// Log lines (substrings, Mustache templates) meaning the service cannot start from its
    /// data folder as it is — e.g. a first start that was cut short (`damaged_data:`).
    public var damagedData: [String] = []

    public struct SetupStep: Sendable {
        /// A context key that must be non-empty for the step to run.
        public var when: String?
        public var run: [String]
    }

    public var mainPort: Int { ports.first { $0.name == "main" }?.container ?? ports.first?.container ?? 0 }

    public static func load(folder: String) throws -> ServiceKind {
        let name = (folder as NSString).lastPathComponent
        let metaPath = folder + "/service.yml", fragmentPath = folder + "/compose.yml"
        guard let metaText = try? String(contentsOfFile: metaPath, encoding: .utf8) else {
            throw DevenvError("service kind '\(name)' has no readable \(metaPath)")
        }
        guard let fragment = try? String(contentsOfFile: fragmentPath, encoding: .utf8) else {
            throw DevenvError("service kind '\(name)' has no readable \(fragmentPath)")
        }
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: metaText) else { throw DevenvError("\(metaPath) is empty") }
            node = n
        } catch let e as YamlError {
            let p = ManifestLoader.problem(from: e)
            throw DevenvError("\(metaPath):\(p.line):\(p.column): \(p.message)")
        }
        func pairs(_ key: String) -> [(String, String)] {
            guard let m = node[key]?.mapping else { return [] }
            return m.compactMap { k, v in k.string.flatMap { ks in v.string.map { (ks, $0) } } }
        }
        guard let image = node["image"]?.string else { throw DevenvError("\(metaPath): missing 'image:'") }
        return ServiceKind(
            name: name, folder: folder,
            description: node["description"]?.string ?? name,
            image: image,
            version: node["version"]?.string ?? "latest",
            ports: pairs("ports").compactMap { k, v in Int(v).map { (k, $0) } },
            probe: node["probe"]?.string ?? "tcp",
            dataPath: node["data"]?.string,
            settings: node["settings"]?.sequence?.compactMap(\.string) ?? [],
            secrets: pairs("secrets").map { ($0.0, Int($0.1) ?? 24) },
            values: pairs("values"),
            dotenv: pairs("dotenv"),
            setup: node["setup"]?.sequence?.map { SetupStep(when: $0["when"]?.string, run: $0["run"]?.sequence?.compactMap(\.string) ?? []) } ?? [],
            seed: Dictionary(uniqueKeysWithValues: (node["seed"]?.mapping ?? Node.Mapping([])).compactMap { k, v in
                k.string.map { ($0, v.sequence?.compactMap(\.string) ?? []) } }),
            composeFragment: fragment,
            damagedData: node["damaged_data"]?.sequence?.compactMap(\.string) ?? [])
    }
}
