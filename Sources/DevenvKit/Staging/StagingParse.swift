import Foundation
import Yams
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Reading staging config text: JSON (object, or list of entries), YAML maps, dotenv (through
/// the injected parser), and detecting which one a text is.
///
/// Invariant: a failure's reason names positions and key names, never a value.
public enum StagingParse {
    /// Why a text could not be read; wrapped into a `DevenvError` naming the source.
    public struct Failure: Error, Sendable, Equatable {
        public var reason: String
    }

    /// Any text, in the given format or the detected one.
    public static func any(_ text: String, format: StagingFormat?, dotenv: DotenvParser) throws -> [StagingVar] {
        switch format ?? detect(text) {
        case .json:
            if case .array = try json(text) {
                return try jsonEntries(text, nameKeys: ["key", "name", "Key", "Name"], valueKeys: ["value", "Value"], unwrap: "envVar")
            }
            return try jsonObject(text)
        case .yaml: return try yamlMap(text)
        case .dotenv: return dedupe(try dotenv(text).map { StagingVar(name: $0.key, value: $0.value) })
        case nil: throw Failure(reason: "it is neither JSON, a YAML map nor dotenv (KEY=value lines)")
        }
    }

    /// The format a text looks like: `{`/`[` → JSON; first meaningful line `KEY=…` → dotenv,
    /// `key: …` → YAML. Nil when it looks like none (an empty text is dotenv: no variables).
    public static func detect(_ text: String) -> StagingFormat? {
        // The first byte that is not blank decides JSON without copying a large text.
        if let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }),
           first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return .json }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") { return .json }
        guard let line = trimmed.split(whereSeparator: \.isNewline).lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { !$0.isEmpty && !$0.hasPrefix("#") && $0 != "---" }) else { return .dotenv }
        var body = Substring(line)
        if body.hasPrefix("export ") { body = body.dropFirst(7).drop { $0 == " " } }
        let name = body.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }
        guard !name.isEmpty, name.first.map({ $0.isLetter || $0 == "_" }) == true else { return nil }
        let rest = body.dropFirst(name.count).drop { $0 == " " || $0 == "\t" }
        if rest.hasPrefix("=") { return .dotenv }
        if rest == ":" || rest.hasPrefix(": ") || rest.hasPrefix(":\t") { return .yaml }
        return nil
    }

    public typealias JSON = DevenvCore.JSON

    public static func json(_ text: String) throws -> JSON {
        do { return try JSONReader.parse(text) } catch {
            throw Failure(reason: "it is not valid JSON")
        }
    }

    /// A scalar as env text: numbers without a needless `.0`, booleans as `true`/`false`, null as "".
    static func text(_ v: JSON, key: String) throws -> String {
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        case .number(let d):
            if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        case .array, .object: throw Failure(reason: "the value of '\(key)' is a nested list or map; expected plain values")
        }
    }

    /// `{"NAME": "value", …}`, sorted by name (JSON objects carry no order).
    public static func jsonObject(_ text: String) throws -> [StagingVar] {
        guard case .object(let o) = try json(text) else { throw Failure(reason: "expected a JSON object of names to values") }
        return try o.keys.sorted().map { StagingVar(name: $0, value: try Self.text(o[$0]!, key: $0)) }
    }

    /// `[{"key": …, "value": …}, …]` in order. `unwrap` names an envelope each entry may sit in
    /// (Render's `{"envVar": {…}, "cursor": …}`). No `valueKeys`: names only (values unknown).
    public static func jsonEntries(_ text: String, nameKeys: [String], valueKeys: [String], unwrap: String? = nil) throws -> [StagingVar] {
        guard case .array(let items) = try json(text) else { throw Failure(reason: "expected a JSON list of entries") }
        let vars: [StagingVar] = try items.enumerated().map { i, item in
            guard case .object(var o) = item else { throw Failure(reason: "entry \(i + 1) is not an object") }
            if let unwrap, case .object(let inner)? = o[unwrap] { o = inner }
            guard let nk = nameKeys.first(where: { o[$0] != nil }), case .string(let name)? = o[nk], !name.isEmpty else {
                throw Failure(reason: "entry \(i + 1) has no \(nameKeys.map { "\"\($0)\"" }.joined(separator: " or "))")
            }
            if valueKeys.isEmpty { return StagingVar(name: name, value: nil) }
            guard let vk = valueKeys.first(where: { o[$0] != nil }) else {
                throw Failure(reason: "entry '\(name)' has no \(valueKeys.map { "\"\($0)\"" }.joined(separator: " or "))")
            }
            return StagingVar(name: name, value: try Self.text(o[vk]!, key: name))
        }
        return dedupe(vars)
    }

    /// A flat YAML map of names to scalars, in file order.
    public static func yamlMap(_ text: String) throws -> [StagingVar] {
        let node: Node?
        do { node = try YAMLBasic.compose(text) } catch {
            let line = (error as? YamlError).flatMap(Self.line(of:))
            throw Failure(reason: "it is not valid YAML" + (line.map { " (line \($0))" } ?? ""))
        }
        guard let node else { return [] }
        guard let map = node.mapping else { throw Failure(reason: "expected a YAML map of names to values") }
        return dedupe(try map.map { k, v in
            guard let name = k.string, !name.isEmpty else { throw Failure(reason: "line \(k.mark?.line ?? 0): keys must be plain names") }
            switch v {
            case .scalar(let s):
                let null = s.style == .plain && ["~", "null", "Null", "NULL", ""].contains(s.string)
                return StagingVar(name: name, value: null ? "" : s.string)
            default: throw Failure(reason: "line \(v.mark?.line ?? 0): the value of '\(name)' is a nested list or map; expected plain values")
            }
        })
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    /// One variable per name: a later one replaces the value of an earlier one, in its place.
    static func dedupe(_ vars: [StagingVar]) -> [StagingVar] {
        var index: [String: Int] = [:]
        var out: [StagingVar] = []
        for v in vars {
            if let i = index[v.name] { out[i] = v } else { index[v.name] = out.count; out.append(v) }
        }
        return out
    }
}
