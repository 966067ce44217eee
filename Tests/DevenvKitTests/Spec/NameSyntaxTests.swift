import Foundation
import Testing
import Yams
@testable import DevenvCore
@testable import DevenvSpec

/// Names and YAML read without regular expressions give what the expressions gave.
@Suite("Names and YAML without regular expressions")
struct NameSyntaxTests {
    static let samples = ["", "a", "A", "0", "_", "-", ".", "db", "my-app", "my_app.v2", "2fast", "-x", "_x", "x-", "x.", "x y", "é", "aé",
                          "UPPER", "a/b", "a:b", "a\n", "\na", "a$", "postgres", "redis-7", "cache.v1", "x\u{0}"]

    /// Each `^[first][rest]*$` the manifest and kinds check, against the expression itself, but
    /// for one case: the expression's `$` also matched before a final newline ("db\n" was a
    /// valid name); the byte check is exact.
    @Test(arguments: [("A-Za-z0-9", "A-Za-z0-9_.-"), ("A-Za-z_", "A-Za-z0-9_."), ("a-z0-9", "a-z0-9_-"), ("a-zA-Z0-9", "a-zA-Z0-9_.-"),
                      ("a-z", "a-z0-9_"), ("A-Za-z", "A-Za-z0-9_.-")])
    func matchesAsTheRegularExpressionDid(first: String, rest: String) {
        for s in Self.samples {
            let regex = s.range(of: "^[\(first)][\(rest)]*$", options: .regularExpression) != nil && !s.hasSuffix("\n")
            #expect(NameSyntax.matches(s, first: ASCIIClass(first), rest: ASCIIClass(rest)) == regex, "\(first) \(rest) '\(s)'")
        }
    }

    /// Keys are found whatever their quoting; values read as the text they hold; the
    /// default resolver is never needed to read a manifest.
    @Test func yamlReadWithTheBasicResolverKeepsTheText() throws {
        let node = try #require(try YAMLBasic.compose("""
        "name": app
        version: 15.10
        on: yes
        empty:
        'null': ~
        """))
        #expect(node["name"]?.string == "app")
        #expect(node["version"]?.string == "15.10")
        #expect(node["on"]?.string == "yes")
        #expect(node["empty"]?.string == "")
        #expect(node["null"]?.string == "~")
        let built = Node.mapping(YAMLBasic.mapping([(YAMLBasic.scalar("port", .str, .plain), YAMLBasic.scalar("5432", .int, .plain)),
                                                    (YAMLBasic.scalar("flag", .str, .plain), YAMLBasic.scalar("yes", .str, .doubleQuoted))]))
        #expect(try Yams.serialize(node: built) == "port: 5432\nflag: \"yes\"\n")
    }
}
