import Foundation
import Mustache
import DevenvCore

/// Mustache rendering of plain text (no HTML escaping) over a dictionary context.
public enum Templating {
    public static func render(_ template: String, _ context: [String: Any]) throws -> String {
        let t = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + template)
        return t.render(context)
    }

    /// The variable paths a template refers to (`postgres.url`, `ports.api`), sections included.
    public static func references(in template: String) -> [String] {
        var out: [String] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            var tag = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let first = tag.first, "#^/&{".contains(first) { tag.removeFirst() }
            if tag.hasSuffix("}") { tag.removeLast() }
            tag = tag.trimmingCharacters(in: .whitespaces)
            if !tag.isEmpty, !"!%>=".contains(tag.first!), tag != "." { out.append(tag) }
            rest = rest[close.upperBound...]
        }
        return out
    }

    /// Whether `path` (dot-separated) resolves in `context`.
    public static func resolves(_ path: String, in context: [String: Any]) -> Bool {
        var current: Any = context
        for part in path.split(separator: ".") {
            guard let dict = current as? [String: Any], let next = dict[String(part)] else { return false }
            current = next
        }
        return true
    }
}

extension Templating {
    /// `first(databases)` → `databases`: the variable a swift-mustache transform applies to.
    public static func stripTransform(_ tag: String) -> String {
        guard tag.hasSuffix(")"), let open = tag.firstIndex(of: "(") else { return tag }
        return String(tag[tag.index(after: open)..<tag.index(before: tag.endIndex)])
    }
}
