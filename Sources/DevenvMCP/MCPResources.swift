import Foundation
import MCP
import DevenvCore
import DevenvSpec
import DevenvPlan
import DevenvKit

/// The resources `devenv mcp` offers. They are read in-process (loading touches no engine and
/// writes nothing), as JSON.
public enum MCPResources {
    public static let manifest = "devenv://manifest"
    public static let env = "devenv://env"
    public static let envRevealed = "devenv://env/revealed"
    public static let kinds = "devenv://kinds"

    public static let list: [Resource] = [
        Resource(name: "manifest", uri: manifest,
                 description: "devenv.yml: its path, its text, and whether it is valid with every problem as file:line:column (as the CLI reports them).",
                 mimeType: "application/json"),
        Resource(name: "env", uri: env,
                 description: "The values devenv writes into each .env file of the stack, secrets masked as ****. Read devenv://env/revealed for the real values.",
                 mimeType: "application/json"),
        Resource(name: "env-revealed", uri: envRevealed,
                 description: "The values devenv writes into each .env file of the stack, secrets included.",
                 mimeType: "application/json"),
        Resource(name: "kinds", uri: kinds,
                 description: "The catalogue of service kinds devenv.yml may use: name, description, image, default version, ports, where each comes from.",
                 mimeType: "application/json"),
    ]

    public static func read(_ uri: String, ctx: DevenvContext) throws -> ReadResource.Result {
        let value: Value
        switch uri {
        case manifest: value = manifestReport(ctx)
        case env, envRevealed: value = try envFiles(ctx, mask: uri == env)
        case kinds: value = try kindsCatalogue(ctx)
        default:
            throw MCPError.invalidParams("unknown resource '\(uri)'; the resources are: \(list.map(\.uri).joined(separator: ", "))")
        }
        let data = try JSONEncoder.sorted.encode(value)
        return .init(contents: [.text(String(decoding: data, as: UTF8.self), uri: uri, mimeType: "application/json")])
    }

    /// `{file, valid, problems: ["devenv.yml:3:5: …"], error, text}`
    static func manifestReport(_ ctx: DevenvContext) -> Value {
        guard let file = ManifestLoader.find(from: ctx.cwd) else {
            return ["file": .null, "valid": false, "problems": [], "error": .string("no devenv.yml in \(ctx.cwd) or any folder above it"),
                    "text": .null]
        }
        let text = (try? String(contentsOfFile: file, encoding: .utf8)).map(Value.string) ?? .null
        do {
            _ = try Project.load(ctx)
            return ["file": .string(file), "valid": true, "problems": [], "error": .null, "text": text]
        } catch let e as DevenvError {
            let problems = e.details.map { Value.string($0.trimmingCharacters(in: .whitespaces)) }
            return ["file": .string(file), "valid": false, "problems": .array(problems), "error": .string(e.message), "text": text]
        } catch {
            return ["file": .string(file), "valid": false, "problems": [], "error": .string("\(error)"), "text": text]
        }
    }

    /// `{files: {PATH: {KEY: value}}}`, as `devenv env --json`, from the plan the stack has
    /// (nothing is claimed or written).
    static func envFiles(_ ctx: DevenvContext, mask: Bool) throws -> Value {
        let plan = try EnvOperation.plan(ctx, branch: false, claim: false)
        let files = try EnvOperation.files(plan, mask: mask).files
        return ["files": .object(files.mapValues { .object($0.mapValues(Value.string)) })]
    }

    struct KindEntry: Codable {
        var name: String, description: String, image: String, version: String, ports: [String], source: String
    }

    /// `{kinds: [{name, description, image, version, ports, source}], broken: {NAME: [problems]}}`
    static func kindsCatalogue(_ ctx: DevenvContext) throws -> Value {
        let root = ManifestLoader.find(from: ctx.cwd).map { ($0 as NSString).deletingLastPathComponent }
        let catalogue = try KindCatalogue.load(searchPath: KindCatalogue.defaultSearchPath(environment: ctx.environment, projectRoot: root))
        let kinds = catalogue.kinds.values.sorted { $0.name < $1.name }.map {
            KindEntry(name: $0.name, description: $0.description, image: $0.image, version: $0.version,
                      ports: $0.ports.map(\.name), source: $0.folder)
        }
        let broken = catalogue.broken.mapValues { $0.lines(relativeTo: ctx.cwd) }
        return ["kinds": try Value(kinds), "broken": try Value(broken)]
    }

    /// Every secret of the stack's plan, for masking tool results; empty when there is no plan.
    public static func secrets(_ ctx: DevenvContext) -> [String] {
        guard let plan = try? EnvOperation.plan(ctx, branch: false, claim: false) else { return [] }
        return plan.services.flatMap { $0.secrets.values }.filter { $0.count >= 4 }
    }

    /// Secrets replaced by `****`, and any password in a URL (`scheme://user:PASSWORD@`).
    public static func mask(_ text: String, secrets: [String]) -> String {
        var out = secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "****") }
        out = out.replacingOccurrences(of: #"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s"]*:)[^@\s"/]+@"#, with: "$1****@", options: .regularExpression)
        return out
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
