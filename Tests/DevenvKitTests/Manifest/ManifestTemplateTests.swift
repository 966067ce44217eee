import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvSpec
@testable import DevenvKit

/// devenv.yml's own templates (`env:`, `processes:` runs, `staging:` rewrite/override) are
/// compiled as the manifest loads: a syntax error is reported at its line with the other
/// problems, and renders use the compiled copy.
@Suite struct ManifestTemplateTests {
    @Test func aTemplateThatDoesNotParseIsAProblemAtItsLineWithTheOthers() {
        let problems = TestSupport.problems("""
            services:
              postgres: { version: "16" }
            env:
              .env:
                DATABASE_URL: "{{postgres.url"
                OK: "{{postgres.url}}"
            processes:
              api: { run: "serve --db {{#postgres.url}}" }
            ports:
              api: nonsense
            """)
        let texts = problems.map(\.description)
        #expect(problems.contains { $0.line == 5 && $0.description.contains("the template in .env DATABASE_URL does not parse: a tag is not closed with }}") }, "\(texts)")
        #expect(problems.contains { $0.line == 8 && $0.description.contains("the run of process 'api' does not parse: a section {{#…}} or {{^…}} is not closed") }, "\(texts)")
        #expect(problems.contains { $0.line == 10 }, "every problem at once: \(texts)")
        #expect(!problems.contains { $0.line == 6 }, "a good template is not a problem")
    }

    @Test func everyTemplateIsKeptCompiledAndRendersAsTheTextWould() throws {
        let m = try TestSupport.parse("""
            services:
              postgres: { version: "16" }
            env:
              .env:
                DATABASE_URL: "{{postgres.url}}?sslmode=disable"
                PLAIN: "no template"
            processes:
              api: { run: ["serve", "--port", "{{ports.api}}"] }
            ports:
              api: auto
            """)
        #expect(m.templates.contains("{{postgres.url}}?sslmode=disable"))
        #expect(m.templates.contains("{{ports.api}}"))
        #expect(!m.templates.contains("no template"), "a text with no template is not compiled")
        let ctx: [String: Any] = ["postgres": ["url": "postgres://u@localhost:1/db"], "ports": ["api": 4000]]
        #expect(try m.templates.render("{{postgres.url}}?sslmode=disable", ctx) == Templating.render("{{postgres.url}}?sslmode=disable", ctx))
    }
}
