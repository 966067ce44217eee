import Foundation
import Yams
import DevenvCore

/// Typed reads from a YAML node that record a problem (with line and column) instead of
/// failing, so one pass finds every mistake.
package struct NodeReader {
    package var problems: [ManifestProblem] = []
    /// Whether a regular expression the file holds is compiled to check it. Off for the kinds
    /// compiled into devenv: their patterns were checked when it was built (BuiltinKindsTests),
    /// and compiling one costs ICU's start-up in every command.
    package var checksPatterns = true

    package init() {}

    package mutating func problem(_ node: Node, _ message: String) {
        problems.append(ManifestProblem(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, message))
    }

    package mutating func mapping(_ node: Node, _ what: String) -> Node.Mapping? {
        if let m = node.mapping { return m }
        if case .scalar(let s) = node, s.string == "" || s.string == "~" || s.string == "null" { return YAMLBasic.mapping([]) }
        problem(node, "\(what) must be a map (key: value), found \(Self.describe(node))")
        return nil
    }

    /// Entries of a mapping, reporting unknown and repeated keys with the nearest valid one.
    /// A misspelt key whose intended key is clear (and absent) is still read as that key,
    /// so the problems inside it are reported in the same pass.
    /// `listed`: the keys the message names, when `allowed` is too long to list (the rest are named by `more`).
    package mutating func entries(_ mapping: Node.Mapping, allowed: [String], context: String, listed: [String]? = nil, more: String = "") -> [(String, Node)] {
        var seen = Set<String>()
        var out: [(String, Node)] = []
        for (k, v) in mapping {
            guard let key = k.string else { problem(k, "keys must be plain words"); continue }
            if !seen.insert(key).inserted { problem(k, "'\(key)' appears twice \(context)"); continue }
            if !allowed.contains(key) {
                problem(k, "unknown key '\(key)' \(context)\(Suggest.hint(key, among: allowed)); expected one of: \((listed ?? allowed).joined(separator: ", "))\(more)")
                if let near = Suggest.nearest(key, among: allowed), mapping[near] == nil, seen.insert(near).inserted {
                    out.append((near, v))
                }
                continue
            }
            out.append((key, v))
        }
        return out
    }

    package mutating func string(_ node: Node, _ what: String) -> String? {
        if case .scalar(let s) = node, !s.string.isEmpty { return s.string }
        problem(node, "\(what) must be a text value, found \(Self.describe(node))")
        return nil
    }

    /// Any scalar (numbers and booleans included) as its text.
    package mutating func scalarText(_ node: Node, _ what: String) -> String? {
        if case .scalar(let s) = node { return s.string }
        problem(node, "\(what) must be a single value, found \(Self.describe(node))")
        return nil
    }

    package mutating func strings(_ node: Node, _ what: String) -> [String]? {
        if let seq = node.sequence { return seq.compactMap { string($0, "each entry of \(what)") } }
        if case .scalar = node, let s = string(node, what) { return [s] }
        problem(node, "\(what) must be a list, found \(Self.describe(node))")
        return nil
    }

    package mutating func port(_ node: Node, _ what: String) -> Int? {
        if case .scalar(let s) = node, let n = Int(s.string), (1...65535).contains(n) { return n }
        problem(node, "\(what) must be a port number between 1 and 65535, found \(Self.describe(node))")
        return nil
    }

    package static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return s.string.isEmpty ? "nothing" : "'\(ValueLimits.quoted(s.string))'"
        case .mapping: return "a map"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

extension NodeReader {
    package mutating func bool(_ node: Node, _ what: String) -> Bool? {
        if case .scalar(let s) = node {
            switch s.string.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        problem(node, "\(what) must be true or false, found \(Self.describe(node))")
        return nil
    }

    package mutating func int(_ node: Node, _ what: String) -> Int? {
        if case .scalar(let s) = node, let n = Int(s.string) { return n }
        problem(node, "\(what) must be a whole number, found \(Self.describe(node))")
        return nil
    }

    /// A map of names to text templates, in file order.
    package mutating func templates(_ node: Node, _ what: String) -> [TemplateEntry] {
        guard let m = mapping(node, what) else { return [] }
        var out: [TemplateEntry] = []
        for (k, v) in m {
            guard let key = string(k, "a key of \(what)"), let value = scalarText(v, "\(what).\(key)") else { continue }
            out.append(TemplateEntry(key: key, template: value))
        }
        return out
    }

    /// A list of text values (an argv), numbers and booleans as their text.
    package mutating func argv(_ node: Node, _ what: String) -> [String]? {
        guard let seq = node.sequence else {
            problem(node, "\(what) must be a list of arguments, e.g. [\"sh\", \"-c\", \"…\"], found \(Self.describe(node))")
            return nil
        }
        return seq.compactMap { scalarText($0, "each argument of \(what)") }
    }

    /// Whether `pattern` compiles as a regular expression; a problem at `node` otherwise.
    package mutating func regex(_ node: Node, _ what: String) -> String? {
        guard let p = string(node, what) else { return nil }
        guard !checksPatterns || (try? NSRegularExpression(pattern: p)) != nil else { problem(node, "\(what) '\(p)' is not a valid regular expression"); return nil }
        return p
    }
}
