import Foundation
import Yams

/// A section of `devenv.yml` kept as YAML for a later stage (`seed:`, `staging:`), as a
/// Sendable value: Yams's `Node` holds its tag in a class and is not `Sendable`, so the
/// manifest stores this copy (text, tag name, style and position of every node) and the
/// reader gets an equal `Node` back from ``node``.
public indirect enum YAMLNode: Sendable {
    case scalar(String, tag: String, style: UInt32, mark: Mark?)
    case mapping([Pair], tag: String, style: UInt32, mark: Mark?)
    case sequence([YAMLNode], tag: String, style: UInt32, mark: Mark?)
    case alias(anchor: String, tag: String, mark: Mark?)

    public struct Pair: Sendable {
        public var key: YAMLNode
        public var value: YAMLNode
    }

    public init(_ node: Node) {
        switch node {
        case .scalar(let s):
            self = .scalar(s.string, tag: s.tag.rawValue, style: s.style.rawValue, mark: s.mark)
        case .mapping(let m):
            self = .mapping(m.map { Pair(key: YAMLNode($0.key), value: YAMLNode($0.value)) },
                            tag: m.tag.rawValue, style: m.style.rawValue, mark: m.mark)
        case .sequence(let q):
            self = .sequence(q.map(YAMLNode.init), tag: q.tag.rawValue, style: q.style.rawValue, mark: q.mark)
        case .alias(let a):
            self = .alias(anchor: a.anchor.rawValue, tag: a.tag.rawValue, mark: a.mark)
        }
    }

    /// The node as Yams gives it, marks included (errors name `devenv.yml:LINE`).
    public var node: Node {
        switch self {
        case .scalar(let string, let tag, let style, let mark):
            return .scalar(.init(string, Self.tag(tag), Node.Scalar.Style(rawValue: style) ?? .any, mark))
        case .mapping(let pairs, let tag, let style, let mark):
            return .mapping(.init(pairs.map { ($0.key.node, $0.value.node) }, Self.tag(tag),
                                  Node.Mapping.Style(rawValue: style) ?? .any, mark))
        case .sequence(let nodes, let tag, let style, let mark):
            return .sequence(.init(nodes.map(\.node), Self.tag(tag), Node.Sequence.Style(rawValue: style) ?? .any, mark))
        case .alias(let anchor, let tag, let mark):
            return .alias(.init(Anchor(rawValue: anchor), Self.tag(tag), mark))
        }
    }

    /// Where the node starts, as Yams's `Mark`.
    public var mark: Mark? {
        switch self {
        case .scalar(_, _, _, let m), .mapping(_, _, _, let m), .sequence(_, _, _, let m), .alias(_, _, let m): m
        }
    }

    private static func tag(_ name: String) -> Tag { YAMLBasic.tag(Tag.Name(rawValue: name)) }
}
