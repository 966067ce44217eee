import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvSpec

/// A kind's Mustache templates are compiled once, when the kind loads, and kept in the loaded
/// kind (issue 22, "one typed spec"): rendering takes the compiled template, not the text.
@Suite struct CompiledTemplatesTests {
    /// Every text with `{{` anywhere in a value of the kind (found by reflection, so a template
    /// field added later is covered too), except the raw compose.yml and the kept templates.
    static func templateTexts(_ value: Any, label: String? = nil, into out: inout Set<String>) {
        if ["composeFragment", "templates", "compose"].contains(label ?? "") { return }
        if let s = value as? String {
            if s.contains("{{") { out.insert(s) }
            return
        }
        for child in Mirror(reflecting: value).children { templateTexts(child.value, label: child.label, into: &out) }
    }

    static func fragmentTexts(_ node: YAMLNode, into out: inout Set<String>) {
        switch node {
        case .scalar(let s, _, _, _): if s.contains("{{") { out.insert(s) }
        case .mapping(let pairs, _, _, _): for p in pairs { fragmentTexts(p.key, into: &out); fragmentTexts(p.value, into: &out) }
        case .sequence(let items, _, _, _): for i in items { fragmentTexts(i, into: &out) }
        case .alias: break
        }
    }

    /// The byte scanner finds the same references as the Foundation one it replaced, in every
    /// template text of every built-in kind and in hand-made edge cases.
    @Test func referencesAreFoundAsBefore() throws {
        func before(_ template: String) -> [String] {
            var out: [String] = [], rest = Substring(template)
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
        var texts: Set<String> = ["{{{x}}}", "{{ #list }}{{.}}{{/list}}", "a {{ b }} {{", "{{", "}}{{x}}}}", "{{! note }}{{> p}}",
                                  "{{&raw}} {{^ none }}é{{ ports.main }}", "{{ \tfirst(databases) }}", "{{}}", "{{ }}", "{{{{x}}"]
        for kind in try TestSupport.templates().kinds.values {
            Self.templateTexts(kind, into: &texts)
            texts.insert(kind.composeFragment)
        }
        for t in texts { #expect(Templating.references(in: t) == before(t), "\(t)") }
    }

    @Test func byteSearchFindsWhatFoundationFinds() {
        let cases = [("a{{b", "{{"), ("{", "{{"), ("", "{{"), ("x{ {y", "{{"), ("{{", "{{"), ("ab", ""), ("/home/u/.lima/x/ssh.sock", "/.lima/"),
                     ("/.lim", "/.lima/"), ("é{{", "{{"), ("aab", "ab")]
        for (text, needle) in cases { #expect(ByteSearch.contains(text, needle) == (needle.isEmpty || text.contains(needle)), "\(text) \(needle)") }
    }

    @Test func everyTemplateOfEveryBuiltInKindIsKeptCompiled() throws {
        let kinds = try TestSupport.templates().kinds.values
        #expect(kinds.count >= 18)
        var total = 0
        for kind in kinds {
            var texts = Set<String>()
            Self.templateTexts(kind, into: &texts)
            for t in texts { #expect(kind.templates.contains(t), "\(kind.name): \(t.prefix(80))") }
            var fragment = Set<String>()
            for e in kind.compose.entries { Self.fragmentTexts(e.key, into: &fragment); Self.fragmentTexts(e.value, into: &fragment) }
            #expect(!fragment.isEmpty, "\(kind.name)'s compose.yml has templates")
            for t in fragment { #expect(kind.compose.templates.contains(t), "\(kind.name) compose.yml: \(t.prefix(80))") }
            total += texts.count + fragment.count
        }
        #expect(total > 200, "\(total) templates")
    }

    @Test func aKeptTemplateRendersTheTextParsingItGives() throws {
        let ctx: [String: Any] = ["name": "db", "list": ["a", "b"], "on": true, "ports": ["main": "5432"]]
        let texts = ["postgres://{{name}}@127.0.0.1:{{ports.main}}", "{{#list}}{{.}}{{^last()}},{{/last()}}{{/list}}",
                     "{{#on}}--flag{{/on}}", "{{^on}}off{{/on}}", "no template", "\n  leading\n", "a & <b> \"{{name}}\""]
        var kept = CompiledTemplates()
        for t in texts { #expect(kept.add(t) == nil, "\(t)") }
        // A text without a tag is not parsed at all: Mustache renders it as itself (but for a
        // leading blank line, which it drops: such a text is parsed as before).
        #expect(kept.count == texts.count - 1 && !kept.contains("no template") && kept.contains("\n  leading\n"))
        for t in texts { #expect(try kept.render(t, ctx) == (try Templating.compiled(t).render(ctx)), "\(t)") }
        for t in ["no template", "", "x\n  y", "  ", "\t\n", "\r\nz", " a {b} }}"] {
            #expect(try Templating.render(t, ctx) == (try Templating.compiled(t).render(ctx)), "\(t.debugDescription)")
        }
        #expect(!Templating.hasTags("{ {x} }") && Templating.hasTags("a{{b") && !Templating.hasTags(""))
        // A text not kept renders as before; one that does not parse is not kept, and says why.
        #expect(try CompiledTemplates().render("{{name}}!", ctx) == "db!")
        let broken = kept.add("{{#list}}")
        #expect(broken != nil && !kept.contains("{{#list}}"))
        #expect(throws: (any Error).self) { try kept.render("{{#list}}", ctx) }
    }

    @Test func aKindLoadedFromItsFolderRendersFromItsKeptTemplates() throws {
        let root = try KindLoaderTests.kind("k", """
        image: x/y
        version: "1"
        ports: { main: 9000 }
        settings:
          names: { type: list, default: ["{{name}}_a"] }
        values:
          url: "http://127.0.0.1:{{ports.main}}/{{#names}}{{.}}{{/names}}"
        setup:
          - { when: "{{#names}}x{{/names}}", run: [sh, -c, "echo {{name}}"] }
        """, compose: "image: \"{{image}}\"\nenvironment: { A: \"{{name}}\" }\n")
        let kind = try KindLoader.load(folder: root + "/services/k").get()
        for t in ["{{name}}_a", "http://127.0.0.1:{{ports.main}}/{{#names}}{{.}}{{/names}}", "{{#names}}x{{/names}}", "echo {{name}}"] {
            #expect(kind.templates.contains(t), "\(t)")
        }
        #expect(kind.compose.templates.contains("{{image}}") && kind.compose.templates.contains("{{name}}"))
        #expect(try kind.render("echo {{name}}", ["name": "web"]) == "echo web")
        let env = try kind.compose.environment(["name": "web", "image": "x/y:1"])
        #expect(env.pairs.map(\.value) == ["web"])
    }
}
