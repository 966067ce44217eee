import Yams

/// YAML read and built without Yams's default resolver. That resolver types every plain
/// scalar (bool, int, float, null, timestamp) with regular expressions: the first use compiles
/// seven of them (and ICU's static sets), and every `node["key"]` runs them on each key it
/// compares. devenv reads every scalar as text and types it itself (``NodeReader``), so it
/// parses with the basic resolver, under which a plain scalar is a string. Rendered YAML is
/// unchanged: the emitter writes no tags for plain or quoted scalars, only their text.
///
/// Every node devenv builds takes its tag from here: a tag made with Yams's defaults (`Tag(.str)`,
/// `Node.Mapping(pairs)`) would load the default resolver, regular expressions and all.
public enum YAMLBasic {
    /// The single document of `text` (nil when it is empty). UTF-8 named here: Yams's default
    /// encoding reads the whole environment at every parse (`YAMS_DEFAULT_ENCODING`).
    public static func compose(_ text: String) throws -> Node? {
        try Yams.compose(yaml: text, .basic, .default, .utf8)
    }

    /// A new tag of this name (each node its own: Yams resolves a tag in place).
    public static func tag(_ name: Tag.Name = .implicit) -> Tag { Tag(name, .basic, .default) }

    public static func mapping(_ pairs: [(Node, Node)], style: Node.Mapping.Style = .any) -> Node.Mapping {
        Node.Mapping(pairs, tag(), style)
    }

    public static func sequence(_ nodes: [Node], style: Node.Sequence.Style = .any) -> Node.Sequence {
        Node.Sequence(nodes, tag(), style)
    }

    public static func scalar(_ text: String, _ name: Tag.Name, _ style: Node.Scalar.Style) -> Node {
        .scalar(Node.Scalar(text, tag(name), style))
    }
}
