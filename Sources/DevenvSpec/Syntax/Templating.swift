import Foundation
import Mustache
import DevenvCore

/// Mustache rendering of plain text (no HTML escaping) over a dictionary context.
public enum Templating {
    public static func render(_ template: String, _ context: [String: Any]) throws -> String {
        if rendersAsItself(template) { return template }
        return try compiled(template).render(context)
    }

    /// Whether `text` renders as itself without being parsed: it holds no tag, and does not
    /// begin with blanks and a line end (those Mustache drops, with the line of the content-type
    /// tag `compiled` puts in front).
    public static func rendersAsItself(_ text: String) -> Bool {
        if let first = text.utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") || first == UInt8(ascii: "\n") || first == UInt8(ascii: "\r") {
            return false
        }
        return !hasTags(text)
    }

    /// Whether `text` holds a Mustache tag (`{{`) at all: a text without one renders as itself.
    /// Bytes, not Foundation's search: a kind's load asks it of every scalar of its files.
    public static func hasTags(_ text: String) -> Bool { ByteSearch.contains(text, "{{") }

    /// `template` parsed as plain text (no HTML escaping).
    static func compiled(_ template: String) throws -> MustacheTemplate {
        try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + template)
    }

    /// Why a template does not parse as Mustache, and where (line and column within it).
    public struct SyntaxError: Error, Sendable {
        public var message: String
        public var line: Int
        public var column: Int
    }

    /// `template` parsed, or why it does not parse. Kinds' templates are parsed once when the
    /// kind loads and kept (``CompiledTemplates``), so a syntax error is a `service.yml:LINE`
    /// problem before anything starts, not a failure mid-`up`.
    public static func compile(_ template: String) -> Result<MustacheTemplate, SyntaxError> {
        do {
            return .success(try compiled(template))
        } catch let e as MustacheTemplate.ParserError {
            let column = e.context.lineNumber == 1 ? max(1, e.context.columnNumber - 24) : e.context.columnNumber
            return .failure(SyntaxError(message: words(for: "\(e.error)"), line: e.context.lineNumber, column: column))
        } catch {
            return .failure(SyntaxError(message: "\(error)", line: 1, column: 1))
        }
    }

    /// The parser's error in a person's words (its own names, such as `overflow` for a tag
    /// the text ends inside, say little).
    static func words(for error: String) -> String {
        switch error {
        case "overflow", "unfinishedName": "a tag is not closed with }}"
        case "expectedSectionEnd": "a section {{#…}} or {{^…}} is not closed with {{/…}}"
        case "sectionCloseNameIncorrect": "{{/…}} closes a section of another name"
        case "invalidSetDelimiter": "a {{=… …=}} delimiter tag is malformed"
        default: error
        }
    }

    /// Why `template` does not parse as Mustache, and where (line and column within it); nil
    /// when it parses.
    public static func syntaxError(in template: String) -> (message: String, line: Int, column: Int)? {
        guard hasTags(template), case .failure(let e) = compile(template) else { return nil }
        return (e.message, e.line, e.column)
    }

    /// The variable paths a template refers to (`postgres.url`, `ports.api`), sections included.
    public static func references(in template: String) -> [String] {
        guard hasTags(template) else { return [] }
        // Bytes, not Foundation's range(of:) and trimming (a third of loading two kinds).
        let b = Array(template.utf8), n = b.count
        let brace = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        func blank(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }
        var out: [String] = []
        var i = 0
        while i + 1 < n {
            guard b[i] == brace, b[i + 1] == brace else { i += 1; continue }
            var j = i + 2
            while j + 1 < n, !(b[j] == close && b[j + 1] == close) { j += 1 }
            guard j + 1 < n else { break }
            var lo = i + 2, hi = j
            while lo < hi, blank(b[lo]) { lo += 1 }
            while hi > lo, blank(b[hi - 1]) { hi -= 1 }
            if lo < hi, "#^/&{".utf8.contains(b[lo]) { lo += 1 }
            if hi > lo, b[hi - 1] == close { hi -= 1 }
            while lo < hi, blank(b[lo]) { lo += 1 }
            while hi > lo, blank(b[hi - 1]) { hi -= 1 }
            if lo < hi, !"!%>=".utf8.contains(b[lo]), !(hi - lo == 1 && b[lo] == UInt8(ascii: ".")) {
                out.append(String(decoding: b[lo..<hi], as: UTF8.self))
            }
            i = j + 2
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

/// A kind's Mustache templates, compiled once when the kind loads (the check that reports their
/// syntax errors at `service.yml:LINE` parses each one anyway) and kept by their text, so
/// rendering takes the compiled template instead of parsing the text again.
///
/// A text that is not here (a kind built by hand, or a template that did not compile) is parsed
/// when it renders, as `Templating.render` does.
public struct CompiledTemplates: Sendable {
    private var templates: [String: MustacheTemplate] = [:]

    public init() {}

    /// How many templates are kept.
    public var count: Int { templates.count }

    /// Whether `text` is kept compiled.
    public func contains(_ text: String) -> Bool { templates[text] != nil }

    /// Compiles `text` and keeps it; its syntax error otherwise, with nothing kept. A text
    /// that renders as itself (no tag) is neither parsed nor kept.
    @discardableResult
    public mutating func add(_ text: String) -> Templating.SyntaxError? {
        guard templates[text] == nil, !Templating.rendersAsItself(text) else { return nil }
        switch Templating.compile(text) {
        case .success(let t): templates[text] = t; return nil
        case .failure(let e): return e
        }
    }

    /// `text` rendered against `context`: the text `Templating.render` gives.
    public func render(_ text: String, _ context: [String: Any]) throws -> String {
        guard let t = templates[text] else { return try Templating.render(text, context) }
        return t.render(context)
    }
}

/// A key and the Mustache template of its value.
public struct TemplateEntry: Sendable, Equatable {
    public var key: String
    public var template: String
    public init(key: String, template: String) { self.key = key; self.template = template }
}
