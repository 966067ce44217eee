import Foundation
import Yams
import DevenvCore

/// A kind's `compose.yml`, parsed when the kind loads (a YAML mistake is a `compose.yml:LINE`
/// problem then, not a failure of `up` after the claim): the compose service's keys in order,
/// each scalar a Mustache template rendered against the service's context.
public struct ComposeFragment: Sendable {
    /// The service's keys and values as written.
    public var entries: [YAMLNode.Pair]
    /// Each scalar that holds a template (`{{`), compiled when the kind loaded.
    public var templates = CompiledTemplates()

    public init(entries: [YAMLNode.Pair] = []) {
        self.entries = entries
        for e in entries { Self.compile(e.key, into: &templates); Self.compile(e.value, into: &templates) }
    }

    /// Keeps every template of `node`'s scalars compiled (one that does not compile is left
    /// for rendering to report, as before).
    static func compile(_ node: YAMLNode, into templates: inout CompiledTemplates) {
        switch node {
        case .scalar(let text, _, _, _): if text.contains("{{") { templates.add(text) }
        case .mapping(let pairs, _, _, _): for p in pairs { compile(p.key, into: &templates); compile(p.value, into: &templates) }
        case .sequence(let items, _, _, _): for i in items { compile(i, into: &templates) }
        case .alias: break
        }
    }

    /// The fragment, or the problem with its text (at its line and column in compose.yml).
    public static func parse(_ text: String) -> (fragment: ComposeFragment?, problem: ManifestProblem?) {
        func failure(_ p: ManifestProblem) -> (ComposeFragment?, ManifestProblem?) { (nil, p) }
        let node: Node?
        do { node = try YAMLBasic.compose(text) } catch let e as YamlError {
            return failure(YamlProblem.problem(from: e, text: text))
        } catch {
            return failure(ManifestProblem(line: 1, column: 1, "invalid YAML: \(error)"))
        }
        guard let m = node?.mapping else {
            return failure(ManifestProblem(line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, "compose.yml must be a map of compose service keys"))
        }
        return (ComposeFragment(entries: m.map { YAMLNode.Pair(key: YAMLNode($0.key), value: YAMLNode($0.value)) }), nil)
    }

    /// The service's keys and values with every scalar rendered against `context`.
    public func render(_ context: [String: Any]) throws -> [(Node, Node)] {
        try entries.map { (try render($0.key, context), try render($0.value, context)) }
    }

    /// One key's value rendered against `context`; nil when the fragment has no such key.
    public func value(_ key: String, _ context: [String: Any]) throws -> Node? {
        try entries.first(where: { $0.key.text == key }).map { try render($0.value, context) }
    }

    /// `environment:` rendered, as a map (`mapped`) or as a list of `KEY=value` lines.
    public func environment(_ context: [String: Any]) throws -> (pairs: [(key: String, value: String)], mapped: Bool) {
        guard let node = try value("environment", context) else { return ([], true) }
        if let m = node.mapping { return (m.compactMap { k, v in k.string.map { ($0, v.string ?? "") } }, true) }
        let lines = node.sequence.map { $0.compactMap(\.string) } ?? []
        return (lines.compactMap { line in line.firstIndex(of: "=").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) } }, false)
    }

    /// `environment:` as written (map form): key → template.
    public var environmentTemplates: [(key: String, template: String)] {
        guard case .mapping(let pairs, _, _, _)? = entries.first(where: { $0.key.text == "environment" })?.value else { return [] }
        return pairs.compactMap { p in p.key.text.map { ($0, p.value.text ?? "") } }
    }

    func render(_ node: YAMLNode, _ context: [String: Any]) throws -> Node {
        switch node {
        case .scalar(let text, let tag, let style, let mark):
            let rendered = text.contains("{{") ? try templates.render(text, context) : text
            return YAMLNode.scalar(rendered, tag: tag, style: style, mark: mark).node
        case .mapping(let pairs, let tag, let style, let mark):
            return .mapping(.init(try pairs.map { (try render($0.key, context), try render($0.value, context)) },
                                  YAMLBasic.tag(Tag.Name(rawValue: tag)), Node.Mapping.Style(rawValue: style) ?? .any, mark))
        case .sequence(let items, let tag, let style, let mark):
            return .sequence(.init(try items.map { try render($0, context) }, YAMLBasic.tag(Tag.Name(rawValue: tag)),
                                   Node.Sequence.Style(rawValue: style) ?? .any, mark))
        case .alias:
            return node.node
        }
    }
}

extension YAMLNode {
    /// A scalar's text; nil for a map, a list or an alias.
    public var text: String? {
        if case .scalar(let s, _, _, _) = self { return s }
        return nil
    }
}
