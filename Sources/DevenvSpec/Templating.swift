import Foundation
import Mustache
import DevenvCore

/// Mustache rendering of plain text (no HTML escaping) over a dictionary context.
public enum Templating {
    public static func render(_ template: String, _ context: [String: Any]) throws -> String {
        let t = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + template)
        return t.render(context)
    }

    /// Why `template` does not parse as Mustache, and where (line and column within it); nil
    /// when it parses. Kinds' templates are parsed once when the kind loads, so a syntax error
    /// is a `service.yml:LINE` problem before anything starts, not a failure mid-`up`.
    public static func syntaxError(in template: String) -> (message: String, line: Int, column: Int)? {
        guard template.contains("{{") else { return nil }
        do {
            _ = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + template)
            return nil
        } catch let e as MustacheTemplate.ParserError {
            let column = e.context.lineNumber == 1 ? max(1, e.context.columnNumber - 24) : e.context.columnNumber
            return ("\(e.error)", e.context.lineNumber, column)
        } catch {
            return ("\(error)", 1, 1)
        }
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

    /// Every `a.b` key a template may use in `context`, sorted: for suggestions and the README list.
    public static func keys(in context: [String: Any], prefix: String = "") -> [String] {
        context.flatMap { k, v -> [String] in
            if let d = v as? [String: Any] { return keys(in: d, prefix: prefix + k + ".") }
            return [prefix + k]
        }.sorted()
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
